import type { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { numberFromContext } from './context-values';
import type { LabStackProps } from './stacks/lab-stack';
import { FANOUT_OUTPUTS, FanoutStack } from './stacks/fanout-stack';
import { WORKER_POOL_OUTPUTS, WorkerPoolStack } from './stacks/worker-pool-stack';
import { STREAM_OUTPUTS, StreamStack } from './stacks/stream-stack';
import { PIPELINE_OUTPUTS, PipelineStack } from './stacks/pipeline-stack';

/**
 * The registry of lab modules: the single place a module is declared. The CDK app (bin/app.ts via
 * lib/app.ts) builds one stack per entry, and the lab tool (labs/) resolves modules, stack ids and
 * the outputs it reads from the same entries.
 */
export interface LabModule {
  /** CLI name of the module (`labs <name>`). */
  readonly name: string;
  /** Stack id without the per-student prefix. */
  readonly stackId: string;
  /** One line for `labs list` and the stack description. */
  readonly description: string;
  /** Which course seed the module teaches. */
  readonly seed: string;
  /** Every CfnOutput key the module's lab reads; a deployed stack missing one is of an older shape. */
  readonly outputs: readonly string[];
  /**
   * Hours after which a deployed stack deletes itself unless `-c expiresInHours=N|off` says otherwise
   * (a cost guard for modules billed while idle).
   * @default - no guard unless `-c expiresInHours=N` asks for one
   */
  readonly defaultExpiresInHours?: number;
  /** Builds the module's stack; `context` reads CDK context values (`-c key=value`). */
  readonly create: (scope: Construct, id: string, props: LabStackProps) => Stack;
}

export const MODULES: readonly LabModule[] = [
  {
    name: 'fanout',
    stackId: 'LabFanout',
    description: 'SNS order-events topic fanned out to analytics, inventory and notification SQS queues',
    seed: 'Module 8 (Load Balancing vs Fan-out)',
    outputs: FANOUT_OUTPUTS,
    create: (scope, id, props) =>
      new FanoutStack(scope, id, {
        ...props,
        notificationMinAmount: numberFromContext(props.context, 'notificationMinAmount'),
      }),
  },
  {
    name: 'worker-pool',
    stackId: 'LabWorkerPool',
    description: 'SQS work queue consumed by a bounded pool of Lambda workers, with a ledger of who did what',
    seed: 'Module 8 (Load Balancing vs Fan-out)',
    outputs: WORKER_POOL_OUTPUTS,
    create: (scope, id, props) =>
      new WorkerPoolStack(scope, id, {
        ...props,
        workerPoolSize: numberFromContext(props.context, 'workerPoolSize'),
        maxReceiveCount: numberFromContext(props.context, 'maxReceiveCount'),
        workerTimeoutSeconds: numberFromContext(props.context, 'workerTimeoutSeconds'),
        workerBatchSize: numberFromContext(props.context, 'workerBatchSize'),
      }),
  },
  {
    name: 'stream',
    stackId: 'LabStream',
    description: 'multi-shard Kinesis stream read by a polling consumer (shards shared) and two enhanced fan-out consumers (every shard each)',
    seed: 'Modules 6 and 8',
    outputs: STREAM_OUTPUTS,
    // Shards and enhanced fan-out consumers bill by the hour: a forgotten stream deletes itself.
    defaultExpiresInHours: 4,
    create: (scope, id, props) =>
      new StreamStack(scope, id, {
        ...props,
        shardCount: numberFromContext(props.context, 'shardCount'),
        parallelizationFactor: numberFromContext(props.context, 'parallelizationFactor'),
      }),
  },
  {
    name: 'pipeline',
    stackId: 'LabPipeline',
    description: 'ventilator splits a job into subtasks published through SNS; workers fan results in exactly once',
    seed: 'Fan-out pattern notes (ventilator, fan-in)',
    outputs: PIPELINE_OUTPUTS,
    create: (scope, id, props) =>
      new PipelineStack(scope, id, {
        ...props,
        maxRangeEnd: numberFromContext(props.context, 'pipelineMaxRangeEnd'),
        workerRetryAttempts: numberFromContext(props.context, 'pipelineWorkerRetryAttempts'),
      }),
  },
];

/** Context key that namespaces every stack id per student (`-c stackPrefix=alice-`). */
export const STACK_PREFIX_CONTEXT = 'stackPrefix';

const STACK_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

export function stackIdFor(module: LabModule, prefix = ''): string {
  if (prefix !== '' && !STACK_PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `stackPrefix must start with a letter and contain only letters, digits and hyphens (at most 40 characters), but '${prefix}' was provided`,
    );
  }
  return `${prefix}${module.stackId}`;
}

export function findModule(name: string): LabModule {
  const found = MODULES.find((m) => m.name === name);
  if (!found) {
    throw new Error(`unknown module '${name}': choose one of ${MODULES.map((m) => m.name).join(', ')}`);
  }
  return found;
}
