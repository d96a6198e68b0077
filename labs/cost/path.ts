import { PRICES, unitPrice, type PriceId } from './prices';
import { TemplateView, type CfnTemplate, type FunctionInfo } from './template';
import { DEFAULT_ASSUMPTIONS, type CostAssumptions } from './assumptions';

/**
 * Per million messages: what one million messages through a module's path cost, from a documented
 * model per module (next to the module's lab, in labs/modules/) that reads the template's own settings
 * (batch sizes, memory, subscriptions, which tables each function writes) and states every assumption
 * it adds. The building blocks the models share are here.
 */

export interface PathLineItem {
  readonly what: string;
  /** Units billed per million messages. */
  readonly quantity: number;
  readonly unit: string;
  readonly priceId: PriceId;
  /** Dollars per million messages. */
  readonly usd: number;
}

export interface PathCost {
  /** What one "message" is for this module. */
  readonly message: string;
  readonly perMillionMessages: number;
  readonly lineItems: readonly PathLineItem[];
  readonly assumptions: readonly string[];
}

export interface PathModel {
  readonly message: string;
  /** The model, in words: printed with the estimate. */
  readonly description: string;
  readonly estimate: (view: TemplateView, a: CostAssumptions) => { items: PathLineItem[]; assumptions: string[] };
}

/** What a module costs: its per-message model and the idle cost its default deployment must stay within. */
export interface ModuleCostModel {
  readonly path: PathModel;
  /** Dollars per hour the default deployment may bill while idle (`labs cost` says whether it does). */
  readonly idleTargetPerHour: number;
}

/** The idle target of a module that bills nearly nothing while idle (no shards, consumers or alarms). */
export const NEAR_FREE_IDLE_TARGET_PER_HOUR = 0.01;

/** The idle target of a module that bills nothing at all while idle (on-demand tables, no pollers of queues). */
export const FREE_IDLE_TARGET_PER_HOUR = 0;

export const MILLION = 1_000_000;
export const SQS_CHUNK_BYTES = 64 * 1024;
export const SNS_CHUNK_BYTES = 64 * 1024;
export const KINESIS_PUT_UNIT_BYTES = 25 * 1024;
export const GB = 1024 ** 3;
/** SendMessageBatch, DeleteMessageBatch and PublishBatch take at most 10 entries. */
export const BATCH_API_ENTRIES = 10;

export function item(what: string, quantity: number, priceId: PriceId): PathLineItem {
  return { what, quantity, unit: PRICES[priceId].unit.replace(/^million /, ''), priceId, usd: quantity * unitPrice(priceId) };
}

/** Requests billed for `calls` calls each carrying `entries` messages of `bytes`: one per started 64 KB chunk. */
export function chunkedRequests(calls: number, entries: number, bytes: number, chunkBytes: number): number {
  return calls * Math.max(1, Math.ceil((entries * bytes) / chunkBytes));
}

/** Requests, duration and log ingestion of `invocations` invocations of `fn` lasting `ms` each. */
export function invocationItems(fn: FunctionInfo, invocations: number, ms: number, a: CostAssumptions): PathLineItem[] {
  const gbSeconds = invocations * (fn.memoryMiB / 1024) * (ms / 1000);
  return [
    item(`${fn.logicalId}: invocations`, invocations, 'lambda.requests'),
    item(
      `${fn.logicalId}: duration (${fn.memoryMiB} MiB, ${round(ms)} ms each)`,
      gbSeconds,
      fn.architecture === 'arm64' ? 'lambda.arm64GbSecond' : 'lambda.x86GbSecond',
    ),
    item(`${fn.logicalId}: log ingestion`, (invocations * a.logBytesPerInvocation) / GB, 'cloudwatch.logsIngestedGb'),
  ];
}

/**
 * Write request units per table of a function, from its environment: `writes` maps the environment
 * variable naming a table to the WRU the handler spends on it per `per`. A table the function is given
 * but the model does not know is an error, not a free write.
 */
export function tableWriteItems(fn: FunctionInfo, view: TemplateView, count: number, writes: Readonly<Record<string, number>>, per: string): PathLineItem[] {
  const items: PathLineItem[] = [];
  for (const [variable, id] of fn.environmentRefs) {
    if (view.resource(id).type !== 'AWS::DynamoDB::Table') continue;
    const wru = writes[variable];
    if (wru === undefined) {
      throw new Error(`${fn.logicalId} writes table ${id} (${variable}), but the cost model does not know how many writes it makes per ${per}`);
    }
    items.push(item(`${id}: ${wru} WRU per ${per} (${fn.logicalId})`, count * wru, 'dynamodb.onDemandWriteRequestUnits'));
  }
  return items;
}

/** SQS requests of a Lambda SQS poller: one ReceiveMessage and one DeleteMessageBatch per full batch. */
export function sqsPollerItems(queueId: string, messages: number, batchSize: number, a: CostAssumptions): PathLineItem[] {
  const batches = messages / batchSize;
  return [
    item(`${queueId}: ReceiveMessage, ${batchSize} per call`, chunkedRequests(batches, batchSize, a.messageBytes, SQS_CHUNK_BYTES), 'sqs.requests'),
    item(`${queueId}: DeleteMessageBatch`, batches * Math.ceil(batchSize / BATCH_API_ENTRIES), 'sqs.requests'),
  ];
}

export function snsPublishItems(topicId: string, messages: number, a: CostAssumptions): PathLineItem[] {
  return [
    item(
      `${topicId}: PublishBatch, ${BATCH_API_ENTRIES} per call`,
      chunkedRequests(messages / BATCH_API_ENTRIES, BATCH_API_ENTRIES, a.messageBytes, SNS_CHUNK_BYTES),
      'sns.publishes',
    ),
  ];
}

/** Cost of one million messages through the path `model` describes, from the module's template. */
export function estimatePathCost(model: PathModel, template: CfnTemplate, assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS): PathCost {
  const { items, assumptions: stated } = model.estimate(new TemplateView(template), assumptions);
  return {
    message: model.message,
    perMillionMessages: sum(items.map((i) => i.usd)),
    lineItems: items,
    assumptions: [`a message is one ${model.message}`, `model: ${model.description}`, ...stated],
  };
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
