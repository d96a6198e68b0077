import type { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { choiceFromContext, numberFromContext, textFromContext } from './context-values';
import type { ModuleLab } from '../labs/scenarios/scenario';
import type { LabStackProps } from './stacks/lab-stack';
import { FANOUT_OUTPUTS, FanoutStack } from './stacks/fanout-stack';
import { WORKER_POOL_OUTPUTS, WorkerPoolStack } from './stacks/worker-pool-stack';
import { STREAM_OUTPUTS, StreamStack } from './stacks/stream-stack';
import { PIPELINE_OUTPUTS, PipelineStack } from './stacks/pipeline-stack';
import { DELIVERY_OUTPUTS, DeliveryStack } from './stacks/delivery-stack';
import { CDC_OUTPUTS, CdcStack } from './stacks/cdc-stack';
import { ORDERS_OUTPUTS, OrdersStack } from './stacks/orders-stack';

/**
 * The registry of lab modules: the single place a module is declared. The CDK app (bin/app.ts via
 * lib/app.ts) builds one stack per entry, and the lab tool (labs/) resolves modules, stack ids, the
 * outputs it reads and the module's lab from the same entries.
 *
 * `Output` is the union of the stack's CfnOutput keys: the lab an entry names is checked against it, so
 * a lab reading an output the stack does not declare does not compile.
 */
export interface LabModule<Output extends string = string, Name extends string = string> {
  /** CLI name of the module (`labs <name>`). */
  readonly name: Name;
  /** Stack id without the per-student prefix. */
  readonly stackId: string;
  /** One line for `labs list` and the stack description. */
  readonly description: string;
  /** Which course seed the module teaches. */
  readonly seed: string;
  /** Every CfnOutput key the module's lab reads; a deployed stack missing one is of an older shape. */
  readonly outputs: readonly Output[];
  /**
   * Hours after which a deployed stack deletes itself unless `-c expiresInHours=N|off` says otherwise
   * (a cost guard for modules billed while idle).
   * @default - no guard unless `-c expiresInHours=N` asks for one
   */
  readonly defaultExpiresInHours?: number;
  /** Builds the module's stack; `context` reads CDK context values (`-c key=value`). */
  readonly create: (scope: Construct, id: string, props: LabStackProps) => Stack;
  /**
   * The module's lab: its scenarios with their options and renderers, and its cost model. Imported on
   * demand, so the CDK app never loads lab or SDK code.
   */
  readonly lab: () => Promise<ModuleLab<NoInfer<Output>>>;
}

/** `-c consumerMappings=enabled|disabled`: undefined when not given (the stack's default, enabled). */
function consumerMappingsFromContext(read: (key: string) => unknown): boolean | undefined {
  const value = choiceFromContext(read, 'consumerMappings', ['enabled', 'disabled']);
  return value === undefined ? undefined : value === 'enabled';
}

/**
 * Declares one registry entry. The stack's output keys are inferred from `outputs`, then the lab is
 * checked against them; the entry is returned with its output keys widened, so entries of different
 * modules fit one list.
 */
export function defineModule<const Name extends string, Output extends string>(module: LabModule<Output, Name>): LabModule<string, Name> {
  return module;
}

export const MODULES = [
  defineModule({
    name: 'fanout',
    stackId: 'LabFanout',
    description: 'SNS order-events topic fanned out to analytics, inventory and notification SQS queues',
    seed: 'Module 8 (Load Balancing vs Fan-out)',
    outputs: FANOUT_OUTPUTS,
    lab: async () => (await import('../labs/modules/fanout.js')).fanoutLab,
    create: (scope, id, props) =>
      new FanoutStack(scope, id, {
        ...props,
        notificationMinAmount: numberFromContext(props.context, 'notificationMinAmount'),
      }),
  }),
  defineModule({
    name: 'worker-pool',
    stackId: 'LabWorkerPool',
    description: 'SQS work queue consumed by a bounded pool of Lambda workers, with a ledger of who did what',
    seed: 'Module 8 (Load Balancing vs Fan-out)',
    outputs: WORKER_POOL_OUTPUTS,
    lab: async () => (await import('../labs/modules/worker-pool.js')).workerPoolLab,
    create: (scope, id, props) =>
      new WorkerPoolStack(scope, id, {
        ...props,
        workerPoolSize: numberFromContext(props.context, 'workerPoolSize'),
        maxReceiveCount: numberFromContext(props.context, 'maxReceiveCount'),
        workerTimeoutSeconds: numberFromContext(props.context, 'workerTimeoutSeconds'),
        workerBatchSize: numberFromContext(props.context, 'workerBatchSize'),
      }),
  }),
  defineModule({
    name: 'stream',
    stackId: 'LabStream',
    description: 'multi-shard Kinesis stream read by a polling consumer (shards shared) and two enhanced fan-out consumers (every shard each)',
    seed: 'Modules 6 and 8',
    outputs: STREAM_OUTPUTS,
    // Shards and enhanced fan-out consumers bill by the hour: a forgotten stream deletes itself.
    defaultExpiresInHours: 4,
    lab: async () => (await import('../labs/modules/stream.js')).streamLab,
    create: (scope, id, props) =>
      new StreamStack(scope, id, {
        ...props,
        shardCount: numberFromContext(props.context, 'shardCount'),
        parallelizationFactor: numberFromContext(props.context, 'parallelizationFactor'),
        consumerMappingsEnabled: consumerMappingsFromContext(props.context),
      }),
  }),
  defineModule({
    name: 'pipeline',
    stackId: 'LabPipeline',
    description: 'ventilator splits a job into subtasks published through SNS; workers fan results in exactly once',
    seed: 'Fan-out pattern notes (ventilator, fan-in)',
    outputs: PIPELINE_OUTPUTS,
    lab: async () => (await import('../labs/modules/pipeline.js')).pipelineLab,
    create: (scope, id, props) =>
      new PipelineStack(scope, id, {
        ...props,
        maxRangeEnd: numberFromContext(props.context, 'pipelineMaxRangeEnd'),
        workerRetryAttempts: numberFromContext(props.context, 'pipelineWorkerRetryAttempts'),
      }),
  }),
  defineModule({
    name: 'delivery',
    stackId: 'LabDelivery',
    description: 'at-most/at-least/effectively-once consumers under injected crashes; standard vs FIFO; a downstream of K permits reached by push and buffer',
    seed: 'Week 5 day 3 (delivery guarantees, ordering, back-pressure), DDIA chapter 11',
    outputs: DELIVERY_OUTPUTS,
    lab: async () => (await import('../labs/modules/delivery.js')).deliveryLab,
    create: (scope, id, props) =>
      new DeliveryStack(scope, id, {
        ...props,
        downstreamCapacity: numberFromContext(props.context, 'downstreamCapacity'),
        workMs: numberFromContext(props.context, 'deliveryWorkMs'),
      }),
  }),
  defineModule({
    name: 'cdc',
    stackId: 'LabCdc',
    description: "a table's change stream keeps a search index and a category summary right, where dual writes go wrong",
    seed: 'DDIA notes (change data capture)',
    outputs: CDC_OUTPUTS,
    lab: async () => (await import('../labs/modules/cdc.js')).cdcLab,
    create: (scope, id, props) =>
      new CdcStack(scope, id, {
        ...props,
        batchSize: numberFromContext(props.context, 'cdcBatchSize'),
        retryAttempts: numberFromContext(props.context, 'cdcRetryAttempts'),
      }),
  }),
  defineModule({
    name: 'orders',
    stackId: 'LabOrders',
    description: 'an order API fanned out to payment, inventory and notification pools, with retries, a shared circuit breaker, compensation and queue alarms',
    seed: 'Week 5 project and day 5 (retries, circuit breaker, DLQs, idempotency), Module 8 checkpoint C',
    outputs: ORDERS_OUTPUTS,
    lab: async () => (await import('../labs/modules/orders.js')).ordersLab,
    create: (scope, id, props) =>
      new OrdersStack(scope, id, {
        ...props,
        poolSize: numberFromContext(props.context, 'ordersPoolSize'),
        alarmEmail: textFromContext(props.context, 'alarmEmail'),
        alarmPeriodSeconds: numberFromContext(props.context, 'ordersAlarmSeconds'),
        breakerCoolDownSeconds: numberFromContext(props.context, 'ordersBreakerCoolDownSeconds'),
        paymentTimeoutSeconds: numberFromContext(props.context, 'ordersPaymentTimeoutSeconds'),
      }),
  }),
] as const;

/** The name of a registered module (`labs <name>`). */
export type ModuleName = (typeof MODULES)[number]['name'];

/** Context key that namespaces every stack id per student (`-c stackPrefix=alice-`). */
export const STACK_PREFIX_CONTEXT = 'stackPrefix';

const STACK_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

/** Throws, in the context key's terms, unless `prefix` can start a stack id ('' is no prefix). */
export function checkStackPrefix(prefix: string): string {
  if (prefix !== '' && !STACK_PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `stackPrefix must start with a letter and contain only letters, digits and hyphens (at most 40 characters), but '${prefix}' was provided`,
    );
  }
  return prefix;
}

export function stackIdFor(module: Pick<LabModule, 'stackId'>, prefix = ''): string {
  return `${checkStackPrefix(prefix)}${module.stackId}`;
}

export function findModule(name: string): LabModule {
  const found = MODULES.find((m) => m.name === name);
  if (!found) {
    throw new Error(`unknown module '${name}': choose one of ${MODULES.map((m) => m.name).join(', ')}`);
  }
  return found;
}
