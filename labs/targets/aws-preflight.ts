import { paginateListStackResources, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  GetAccountSettingsCommand,
  GetEventSourceMappingCommand,
  type EventSourceMappingConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { ConcurrencyNeed } from './target';

/**
 * Checks on a deployed stack before a lab drives it, so that a student learns what is wrong with the
 * account or the stack up front, not from a verdict minutes later ("consumers were behind").
 */

export interface PreflightContext {
  readonly stackName: string;
  readonly region: string;
  /** The command that redeploys the stack (with the student's prefix). */
  readonly deploy: string;
  readonly log: (line: string) => void;
}

/** The Service Quotas code of Lambda's "Concurrent executions" quota. */
export const CONCURRENCY_QUOTA_CODE = 'L-B99A9384';

/** States a mapping passes through on its way to Enabled: waiting helps. */
const TRANSIENT_STATES = new Set(['Creating', 'Enabling', 'Updating']);
/** The function itself failed: a lab's own poison or crash tasks do that on purpose. */
const FUNCTION_FAILED = 'PROBLEM: Function call failed';

/** What is wrong with one event-source mapping and what to do, or undefined when it is Enabled and healthy. */
export function mappingProblem(mapping: EventSourceMappingConfiguration, deploy: string): string | undefined {
  const uuid = mapping.UUID ?? '(unknown id)';
  const where = `the event-source mapping ${uuid} of function ${functionName(mapping.FunctionArn)}`;
  const reason = mapping.StateTransitionReason ? ` (${mapping.StateTransitionReason})` : '';
  const state = mapping.State ?? 'unknown';
  if (state !== 'Enabled') {
    const next = TRANSIENT_STATES.has(state)
      ? 'wait a minute for it to become Enabled, then rerun'
      : state === 'Disabled' || state === 'Disabling'
        ? `enable it (\`aws lambda update-event-source-mapping --uuid ${uuid} --enabled\`) or redeploy with \`${deploy}\``
        : `redeploy with \`${deploy}\``;
    return `${where} is ${state}${reason}, not Enabled: ${next}`;
  }
  const result = mapping.LastProcessingResult ?? '';
  if (result.startsWith('PROBLEM') && result !== FUNCTION_FAILED) {
    return `${where} is Enabled but its last processing result is "${result}": fix what it names (the function's role, its key or the source), then redeploy with \`${deploy}\``;
  }
  return undefined;
}

/**
 * Requires every event-source mapping of the stack to be Enabled and without a processing problem;
 * throws one line naming each bad mapping. Without permission to look, it says so and goes on.
 */
export async function checkEventSourceMappings(cloudformation: CloudFormationClient, lambda: LambdaClient, context: PreflightContext): Promise<void> {
  const problems: string[] = [];
  try {
    for await (const page of paginateListStackResources({ client: cloudformation }, { StackName: context.stackName })) {
      for (const resource of page?.StackResourceSummaries ?? []) {
        if (resource.ResourceType !== 'AWS::Lambda::EventSourceMapping' || resource.PhysicalResourceId === undefined) continue;
        const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: resource.PhysicalResourceId }));
        if (mapping.LastProcessingResult === FUNCTION_FAILED) {
          context.log(
            `note: function ${functionName(mapping.FunctionArn)} failed on the last batch its event-source mapping delivered (earlier poison or crash tasks do that on purpose; otherwise read its logs)`,
          );
        }
        const problem = mappingProblem(mapping, context.deploy);
        if (problem !== undefined) problems.push(problem);
      }
    }
  } catch (error) {
    context.log(
      `warning: could not check the event-source mappings of ${context.stackName} (${errorName(error)}): the identity needs cloudformation:ListStackResources and lambda:GetEventSourceMapping; going on without the check`,
    );
    return;
  }
  if (problems.length > 0) throw new Error(`stack ${context.stackName} in ${context.region} is not ready: ${problems.join('; ')}`);
}

/**
 * Warns when the account's Lambda concurrency is below what the lab will drive: the excess
 * invocations are throttled and the lab looks slow or stuck.
 */
export async function checkAccountConcurrency(lambda: LambdaClient, need: ConcurrencyNeed, context: PreflightContext): Promise<void> {
  let limit: number | undefined;
  let unreserved: number | undefined;
  try {
    const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
    limit = AccountLimit?.ConcurrentExecutions;
    unreserved = AccountLimit?.UnreservedConcurrentExecutions;
  } catch (error) {
    context.log(`warning: could not read the account's Lambda concurrency (${errorName(error)}): the identity needs lambda:GetAccountSettings; going on without the check`);
    return;
  }
  if (limit === undefined) return;
  const available = Math.min(limit, unreserved ?? limit);
  if (available >= need.executions) return;
  const account = unreserved !== undefined && unreserved < limit ? `${limit} (${unreserved} unreserved)` : String(limit);
  context.log(
    `warning: this lab runs up to ${need.executions} Lambda executions at once (${need.reason}), but this account's concurrency limit in ${context.region} is ${account}: ` +
      `the rest are throttled and the lab may time out. New accounts often have 10; request more in Service Quotas (AWS Lambda, "Concurrent executions"): ` +
      `\`aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${CONCURRENCY_QUOTA_CODE} --desired-value ${Math.max(need.executions, 1000)} --region ${context.region}\``,
  );
}

function functionName(functionArn: string | undefined): string {
  return functionArn?.split(':function:')[1]?.split(':')[0] ?? functionArn ?? '(unknown function)';
}

function errorName(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return e.name && e.name !== 'Error' ? e.name : (e.message ?? String(error)).split('\n')[0] ?? 'error';
}
