import { STACK_PREFIX_CONTEXT } from '../lib/modules';

/** A deployed (or to be deployed) stack as the lab tool names it to the student. */
export interface StackName {
  /** The stack id, prefix included (`alice-LabStream`). */
  readonly stackName: string;
  /** The per-student prefix the stack was deployed with ('' when none). */
  readonly stackPrefix: string;
}

/**
 * The `npx cdk deploy|destroy` command the lab tool prints for a stack. A prefixed stack exists only in
 * an app synthesized with the same prefix, so the command always carries `-c stackPrefix=<prefix>`
 * when there is one: without it, `cdk destroy alice-LabStream` matches no stack and exits 0 while the
 * stack keeps billing. `context` adds further `-c key=value` pairs.
 */
export function cdkCommand(action: 'deploy' | 'destroy', stack: StackName, context: Readonly<Record<string, string | number>> = {}): string {
  if (stack.stackPrefix !== '' && !stack.stackName.startsWith(stack.stackPrefix)) {
    throw new Error(`stack ${stack.stackName} does not start with its prefix ${stack.stackPrefix}`);
  }
  const pairs = { ...(stack.stackPrefix === '' ? {} : { [STACK_PREFIX_CONTEXT]: stack.stackPrefix }), ...context };
  const flags = Object.entries(pairs).map(([key, value]) => ` -c ${key}=${value}`);
  return `npx cdk ${action} ${stack.stackName}${flags.join('')}`;
}
