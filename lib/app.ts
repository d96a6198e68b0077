import { App, CfnOutput } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CostGuard } from './constructs/cost-guard';
import { MODULES, STACK_PREFIX_CONTEXT, stackIdFor, type LabModule } from './modules';

export interface BuildAppOptions {
  /** Extra context, as `-c key=value` would give it. */
  readonly context?: Record<string, unknown>;
  /**
   * Bundle the handlers with esbuild. Turned off in unit tests, where only the template matters.
   * @default true
   */
  readonly bundling?: boolean;
  /** Cloud assembly directory. @default - a temporary directory chosen by the CDK */
  readonly outdir?: string;
  /** Only these modules. @default - every module in the registry */
  readonly modules?: readonly LabModule[];
  /** Told every context key the stacks read, so a caller can refuse a key that nothing reads. */
  readonly onContextRead?: (key: string) => void;
  /**
   * Run CDK's built-in CloudFormation template validation on synth (its engine takes seconds to
   * start). `cdk synth` and the tests keep it; the local cloud, which synthesizes the same
   * templates, turns it off.
   * @default true
   */
  readonly validation?: boolean;
}

/** The feature flags and settings of cdk.json, so in-process synthesis matches `cdk synth`. */
export function projectContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * Builds the CDK app: one stack per registered module. Used by bin/app.ts (the `cdk` CLI), the tests
 * and the local cloud, so all three synthesize the same templates.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const context: Record<string, unknown> = { ...projectContext(), ...options.context };
  if (options.bundling === false) {
    context['aws:cdk:bundling-stacks'] = [];
  }
  const app = new App({
    context,
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.validation === false ? { builtinCloudFormationValidation: false } : {}),
  });
  const read = (key: string): unknown => {
    options.onContextRead?.(key);
    return app.node.tryGetContext(key);
  };
  const prefix = String(read(STACK_PREFIX_CONTEXT) ?? '');
  for (const module of options.modules ?? MODULES) {
    const stack = module.create(app, stackIdFor(module, prefix), {
      description: `messaging-labs ${module.name}: ${module.description}`,
      context: read,
    });
    const guard = CostGuard.fromContext(stack, 'CostGuard', read, {
      defaultExpiresInHours: module.defaultExpiresInHours,
    });
    if (guard) {
      new CfnOutput(stack, 'ExpiresAt', {
        description: 'When the cost guard deletes this stack (UTC); redeploy to push it back',
        value: guard.expiresAt.toISOString(),
      });
    }
  }
  return app;
}
