import { Template } from 'aws-cdk-lib/assertions';
import type { App, Stack } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';
import { findModule } from '../../lib/modules';

export interface SynthesizedModule {
  readonly app: App;
  readonly stack: Stack;
  readonly template: Template;
}

/**
 * Synthesizes one module's stack as `cdk synth` would (cdk.json's feature flags, template validation
 * on) but without bundling, which unit tests do not need. Call it once per test file.
 */
export function synthModule(name: string, context: Record<string, unknown> = {}): SynthesizedModule {
  const module = findModule(name);
  const app = buildApp({ bundling: false, modules: [module], context });
  const stack = app.node.findChild(String(context['stackPrefix'] ?? '') + module.stackId) as Stack;
  return { app, stack, template: Template.fromStack(stack) };
}
