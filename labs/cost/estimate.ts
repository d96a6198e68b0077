import { HOURS_PER_MONTH, PRICES, unitPrice, type PriceId } from './prices';
import { TemplateView, type CfnTemplate, type FunctionInfo, type ResourceRef } from './template';

/**
 * The cost estimator: pure functions from a synthesized template (and stated assumptions) to dollars.
 *
 * - Idle cost: what the deployed stack bills per hour with no traffic. Every resource type is either
 *   priced by a rule below or listed in NOT_BILLED_WHILE_IDLE; any other type is an error, so a new
 *   resource is never silently counted as free.
 * - Per million messages: what one million messages through the module's path cost, from a documented
 *   model per module that reads the template's own settings (batch sizes, memory, subscriptions, which
 *   tables each function writes) and states every assumption it adds.
 */

/** What the per-message models cannot read from a template. Every figure is printed with the estimate. */
export interface CostAssumptions {
  /** Size of one SNS or SQS message body, in bytes. */
  readonly messageBytes: number;
  /** Size of one Kinesis record (data and partition key), in bytes. */
  readonly recordBytes: number;
  /** Log bytes ingested per invocation: the JSON platform start/report lines and one summary line. */
  readonly logBytesPerInvocation: number;
  /** Run time of one worker-pool task (the lab's simulated work). */
  readonly workerPoolTaskMs: number;
  /** Run time per Kinesis record in a stream consumer. */
  readonly streamRecordMs: number;
  /** Fixed run time per stream batch (decoding, the checkpoint write). */
  readonly streamBatchOverheadMs: number;
  /** Run time of one pipeline subtask (a prime count over a sub-range). */
  readonly pipelineSubtaskMs: number;
  /** Run time of the ventilator per job (split and publish). */
  readonly pipelineVentilatorMs: number;
  /** Subtasks per pipeline job: the ventilator's cost is shared by them. */
  readonly pipelineSubtasksPerJob: number;
  /** Concurrent long polls an idle SQS event-source mapping keeps open. */
  readonly sqsIdlePollers: number;
  /** Wait time of one long poll, in seconds. */
  readonly sqsLongPollSeconds: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  messageBytes: 1024,
  recordBytes: 1024,
  logBytesPerInvocation: 1024,
  workerPoolTaskMs: 100,
  streamRecordMs: 1,
  streamBatchOverheadMs: 20,
  pipelineSubtaskMs: 200,
  pipelineVentilatorMs: 500,
  pipelineSubtasksPerJob: 100,
  sqsIdlePollers: 5,
  sqsLongPollSeconds: 20,
};

export interface IdleLineItem {
  readonly logicalId: string;
  readonly type: string;
  readonly what: string;
  readonly perHour: number;
  readonly priceId: PriceId;
}

export interface IdleCost {
  readonly perHour: number;
  readonly perMonth: number;
  readonly lineItems: readonly IdleLineItem[];
  /** `logicalId (type)` of every resource that bills nothing while idle. */
  readonly notBilledWhileIdle: readonly string[];
  readonly assumptions: readonly string[];
}

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

export interface ModuleCostEstimate {
  readonly module: string;
  readonly idlePerHour: number;
  readonly idlePerMonth: number;
  readonly perMillionMessages: number;
  readonly lineItems: { readonly idle: readonly IdleLineItem[]; readonly perMillionMessages: readonly PathLineItem[] };
  readonly notBilledWhileIdle: readonly string[];
  readonly assumptions: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Idle cost
// ---------------------------------------------------------------------------------------------------

/**
 * Types that bill nothing while deployed and idle: they bill per request, per byte or per GB-month of
 * data a lab leaves behind (a few KB), or not at all. An SQS event-source mapping is listed here and
 * also priced by a rule, for the long polls its pollers make while the queue is empty.
 */
export const NOT_BILLED_WHILE_IDLE: ReadonlySet<string> = new Set([
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Logs::LogGroup',
  'AWS::KMS::Alias',
  'AWS::Scheduler::Schedule',
  'AWS::CDK::Metadata',
]);

type IdleRule = (resource: ResourceRef, view: TemplateView, assumptions: CostAssumptions) => IdleLineItem[];

const perHour = (id: PriceId, quantity: number): number =>
  PRICES[id].unit.endsWith('-month') ? (quantity * unitPrice(id)) / HOURS_PER_MONTH : quantity * unitPrice(id);

function streamShards(stream: ResourceRef, view: TemplateView): number | 'on-demand' {
  const mode = (stream.properties['StreamModeDetails'] as { StreamMode?: unknown } | undefined)?.StreamMode ?? 'PROVISIONED';
  if (mode === 'ON_DEMAND') return 'on-demand';
  if (mode !== 'PROVISIONED') throw new Error(`${stream.logicalId} (AWS::Kinesis::Stream) has an unknown StreamMode ${JSON.stringify(mode)}`);
  // CloudFormation creates one shard when a provisioned stream does not say.
  return view.numberProperty(stream, 'ShardCount', 1);
}

const IDLE_RULES: Readonly<Record<string, IdleRule>> = {
  'AWS::Kinesis::Stream': (r, view) => {
    const shards = streamShards(r, view);
    if (shards === 'on-demand') {
      return [{ logicalId: r.logicalId, type: r.type, what: 'on-demand stream', perHour: perHour('kinesis.onDemandStreamHour', 1), priceId: 'kinesis.onDemandStreamHour' }];
    }
    return [{ logicalId: r.logicalId, type: r.type, what: `${shards} provisioned shard(s)`, perHour: perHour('kinesis.shardHour', shards), priceId: 'kinesis.shardHour' }];
  },
  'AWS::Kinesis::StreamConsumer': (r, view) => {
    const streamId = view.referencedId(r.properties['StreamARN']);
    if (streamId === undefined) throw new Error(`${r.logicalId} (AWS::Kinesis::StreamConsumer) must reference a stream of the template`);
    const shards = streamShards(view.resource(streamId), view);
    if (shards === 'on-demand') {
      throw new Error(`${r.logicalId} reads on-demand stream ${streamId}, whose shard count is not in the template: its consumer-shard-hours cannot be estimated`);
    }
    const name = typeof r.properties['ConsumerName'] === 'string' ? ` '${r.properties['ConsumerName']}'` : '';
    return [
      {
        logicalId: r.logicalId,
        type: r.type,
        what: `enhanced fan-out consumer${name} x ${shards} shard(s) of ${streamId}`,
        perHour: perHour('kinesis.enhancedFanOutConsumerShardHour', shards),
        priceId: 'kinesis.enhancedFanOutConsumerShardHour',
      },
    ];
  },
  'AWS::CloudWatch::Alarm': (r, view) => {
    const metrics = r.properties['Metrics'];
    const metricCount = Array.isArray(metrics) ? metrics.filter((m) => (m as { MetricStat?: unknown }).MetricStat !== undefined).length : 1;
    if (view.numberProperty(r, 'Period', 60) < 60) {
      throw new Error(`${r.logicalId} is a high-resolution alarm (Period < 60 s): the price table has no high-resolution alarm price`);
    }
    return [{ logicalId: r.logicalId, type: r.type, what: `standard alarm on ${metricCount} metric(s)`, perHour: perHour('cloudwatch.standardAlarmMetricMonth', metricCount), priceId: 'cloudwatch.standardAlarmMetricMonth' }];
  },
  'AWS::KMS::Key': (r) => [
    { logicalId: r.logicalId, type: r.type, what: 'customer managed key', perHour: perHour('kms.customerManagedKeyMonth', 1), priceId: 'kms.customerManagedKeyMonth' },
  ],
  'AWS::DynamoDB::Table': (r) => {
    if (r.properties['BillingMode'] !== 'PAY_PER_REQUEST') {
      throw new Error(`${r.logicalId} (AWS::DynamoDB::Table) uses provisioned capacity, which bills by the hour and has no price in the table: use BillingMode PAY_PER_REQUEST`);
    }
    return [];
  },
  'AWS::Lambda::EventSourceMapping': (r, view, a) => {
    const sourceId = view.referencedId(r.properties['EventSourceArn']);
    if (sourceId === undefined || view.resource(sourceId).type !== 'AWS::SQS::Queue') return [];
    const receivesPerHour = a.sqsIdlePollers * (3600 / a.sqsLongPollSeconds);
    return [
      {
        logicalId: r.logicalId,
        type: r.type,
        what: `idle long polls of ${sourceId}: ${receivesPerHour} empty ReceiveMessage/h`,
        perHour: receivesPerHour * unitPrice('sqs.requests'),
        priceId: 'sqs.requests',
      },
    ];
  },
};

/** Idle cost per hour and per month (730 h) of everything in `template` that bills by the hour. */
export function estimateIdleCost(template: CfnTemplate, assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS): IdleCost {
  const view = new TemplateView(template);
  const lineItems: IdleLineItem[] = [];
  const notBilledWhileIdle: string[] = [];
  let pollsSqs = false;
  for (const resource of view.resources()) {
    const rule = IDLE_RULES[resource.type];
    const items = rule ? rule(resource, view, assumptions) : [];
    if (!rule && !NOT_BILLED_WHILE_IDLE.has(resource.type) && !isCustomResource(resource.type)) {
      throw new Error(
        `cannot estimate the idle cost of ${resource.logicalId} (${resource.type}): add a price rule for the type, or list it as not billed while idle, in labs/cost/estimate.ts`,
      );
    }
    if (items.length === 0) notBilledWhileIdle.push(`${resource.logicalId} (${resource.type})`);
    pollsSqs ||= items.some((i) => i.priceId === 'sqs.requests');
    lineItems.push(...items);
  }
  const hourly = sum(lineItems.map((i) => i.perHour));
  return {
    perHour: hourly,
    perMonth: hourly * HOURS_PER_MONTH,
    lineItems,
    notBilledWhileIdle,
    assumptions: [
      `a month is ${HOURS_PER_MONTH} hours`,
      ...(pollsSqs ? [`an idle SQS event-source mapping keeps ${assumptions.sqsIdlePollers} long polls of ${assumptions.sqsLongPollSeconds} s open`] : []),
    ],
  };
}

/** Custom resources run a function at deploy time only. */
function isCustomResource(type: string): boolean {
  return type === 'AWS::CloudFormation::CustomResource' || type.startsWith('Custom::');
}

// ---------------------------------------------------------------------------------------------------
// Per million messages
// ---------------------------------------------------------------------------------------------------

const MILLION = 1_000_000;
const SQS_CHUNK_BYTES = 64 * 1024;
const SNS_CHUNK_BYTES = 64 * 1024;
const KINESIS_PUT_UNIT_BYTES = 25 * 1024;
const GB = 1024 ** 3;
/** SendMessageBatch, DeleteMessageBatch and PublishBatch take at most 10 entries. */
const BATCH_API_ENTRIES = 10;

function item(what: string, quantity: number, priceId: PriceId): PathLineItem {
  return { what, quantity, unit: PRICES[priceId].unit.replace(/^million /, ''), priceId, usd: quantity * unitPrice(priceId) };
}

/** Requests billed for `calls` calls each carrying `entries` messages of `bytes`: one per started 64 KB chunk. */
function chunkedRequests(calls: number, entries: number, bytes: number, chunkBytes: number): number {
  return calls * Math.max(1, Math.ceil((entries * bytes) / chunkBytes));
}

/** Requests, duration and log ingestion of `invocations` invocations of `fn` lasting `ms` each. */
function invocationItems(fn: FunctionInfo, invocations: number, ms: number, a: CostAssumptions): PathLineItem[] {
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
function tableWriteItems(fn: FunctionInfo, view: TemplateView, count: number, writes: Readonly<Record<string, number>>, per: string): PathLineItem[] {
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
function sqsPollerItems(queueId: string, messages: number, batchSize: number, a: CostAssumptions): PathLineItem[] {
  const batches = messages / batchSize;
  return [
    item(`${queueId}: ReceiveMessage, ${batchSize} per call`, chunkedRequests(batches, batchSize, a.messageBytes, SQS_CHUNK_BYTES), 'sqs.requests'),
    item(`${queueId}: DeleteMessageBatch`, batches * Math.ceil(batchSize / BATCH_API_ENTRIES), 'sqs.requests'),
  ];
}

function snsPublishItems(topicId: string, messages: number, a: CostAssumptions): PathLineItem[] {
  return [
    item(
      `${topicId}: PublishBatch, ${BATCH_API_ENTRIES} per call`,
      chunkedRequests(messages / BATCH_API_ENTRIES, BATCH_API_ENTRIES, a.messageBytes, SNS_CHUNK_BYTES),
      'sns.publishes',
    ),
  ];
}

interface PathModel {
  readonly message: string;
  /** The model, in words: printed with the estimate. */
  readonly description: string;
  readonly estimate: (view: TemplateView, a: CostAssumptions) => { items: PathLineItem[]; assumptions: string[] };
}

/**
 * fanout: a producer publishes in batches of 10; SNS delivers a copy to every subscribed queue for
 * free; each queue is drained by its event-source mapping if it has one, else by the lab
 * (ReceiveMessage of 10, DeleteMessageBatch of 10). Every filter policy is assumed to match (upper bound).
 */
const fanout: PathModel = {
  message: 'order event published to the topic',
  description: 'PublishBatch of 10; free SNS->SQS delivery per subscribed queue; each queue drained 10 at a time',
  estimate: (view, a) => {
    const topic = view.single('AWS::SNS::Topic', 'the fanout model');
    const items = snsPublishItems(topic.logicalId, MILLION, a);
    const mappings = view.eventSourceMappings();
    const subscriptions = view.subscriptions().filter((s) => s.topicId === topic.logicalId);
    for (const sub of subscriptions) {
      const endpoint = sub.endpointId ?? sub.logicalId;
      if (sub.protocol === 'sqs') {
        items.push(item(`${endpoint}: SNS delivery`, MILLION, 'sns.deliveryToSqs'));
        const mapping = mappings.find((m) => m.sourceId === endpoint);
        if (mapping) {
          items.push(...sqsPollerItems(endpoint, MILLION, mapping.batchSize, a));
          items.push(...invocationItems(view.function(mapping.functionId), MILLION / mapping.batchSize, a.workerPoolTaskMs, a));
        } else {
          items.push(...sqsPollerItems(endpoint, MILLION, BATCH_API_ENTRIES, a));
        }
      } else if (sub.protocol === 'lambda' && sub.endpointId !== undefined) {
        items.push(item(`${endpoint}: SNS delivery`, MILLION, 'sns.deliveryToLambda'));
        items.push(...invocationItems(view.function(sub.endpointId), MILLION, a.workerPoolTaskMs, a));
      } else {
        throw new Error(`${sub.logicalId} subscribes with protocol ${sub.protocol}, which the fanout cost model does not price`);
      }
    }
    return {
      items,
      assumptions: [
        `${a.messageBytes} B per message`,
        `every filter policy matches (${subscriptions.filter((s) => s.hasFilterPolicy).length} subscription(s) filter; upper bound)`,
        'queues without a consumer function are drained by the lab with ReceiveMessage of 10 and DeleteMessageBatch of 10',
      ],
    };
  },
};

/**
 * worker-pool: the producer sends in batches of 10; the SQS event-source mapping receives full batches
 * of its BatchSize and deletes them in one call; one invocation per batch runs the tasks one after the
 * other; per task the ledger takes one conditional update (which is also what keeps a redelivered
 * task from being recorded twice: the worker keeps no idempotency store).
 */
const WORKER_POOL_WRITES_PER_TASK: Readonly<Record<string, number>> = { LEDGER_TABLE_NAME: 1 };

const workerPool: PathModel = {
  message: 'task sent to the work queue',
  description: 'SendMessageBatch of 10; ESM receive + delete per batch; one invocation per batch; one conditional ledger write per task',
  estimate: (view, a) => {
    const sqsMappings = view.eventSourceMappings().filter((m) => m.sourceType === 'AWS::SQS::Queue');
    if (sqsMappings.length !== 1) throw new Error(`the worker-pool model needs one SQS event-source mapping, but ${sqsMappings.length} were found`);
    const mapping = sqsMappings[0]!;
    const worker = view.function(mapping.functionId);
    const batches = MILLION / mapping.batchSize;
    return {
      items: [
        item(`${mapping.sourceId}: SendMessageBatch, ${BATCH_API_ENTRIES} per call`, chunkedRequests(MILLION / BATCH_API_ENTRIES, BATCH_API_ENTRIES, a.messageBytes, SQS_CHUNK_BYTES), 'sqs.requests'),
        ...sqsPollerItems(mapping.sourceId, MILLION, mapping.batchSize, a),
        ...invocationItems(worker, batches, mapping.batchSize * a.workerPoolTaskMs, a),
        ...tableWriteItems(worker, view, MILLION, WORKER_POOL_WRITES_PER_TASK, 'task'),
      ],
      assumptions: [
        `${a.messageBytes} B per task message`,
        `full batches of ${mapping.batchSize} (the mapping's BatchSize)`,
        `${a.workerPoolTaskMs} ms per task, tasks of a batch run one after the other`,
        'no retries: every task succeeds on its first delivery',
        `${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/**
 * stream: producers put records (PUT payload units per started 25 KB); every polling mapping and
 * every enhanced fan-out consumer reads every record; each invocation handles one full batch of one
 * shard and makes one checkpoint write; enhanced fan-out bills the bytes it pushes.
 */
const STREAM_WRITES_PER_BATCH: Readonly<Record<string, number>> = { CHECKPOINT_TABLE_NAME: 1 };

const stream: PathModel = {
  message: 'record put to the stream',
  description: 'PUT payload units; per consumer one invocation and one checkpoint write per batch; enhanced fan-out GB retrieved',
  estimate: (view, a) => {
    const kinesis = view.single('AWS::Kinesis::Stream', 'the stream model');
    if (streamShards(kinesis, view) === 'on-demand') {
      throw new Error(`${kinesis.logicalId} is an on-demand stream: the price table has no on-demand per-GB prices`);
    }
    const unitsPerRecord = Math.ceil(a.recordBytes / KINESIS_PUT_UNIT_BYTES);
    const items = [item(`${kinesis.logicalId}: PUT payload units (${unitsPerRecord} per record)`, MILLION * unitsPerRecord, 'kinesis.putPayloadUnits')];
    const consumers = view.resources('AWS::Kinesis::StreamConsumer').filter((c) => view.referencedId(c.properties['StreamARN']) === kinesis.logicalId);
    for (const consumer of consumers) {
      items.push(item(`${consumer.logicalId}: enhanced fan-out data retrieved`, (MILLION * a.recordBytes) / GB, 'kinesis.enhancedFanOutDataRetrievalGb'));
    }
    const readers = new Set([kinesis.logicalId, ...consumers.map((c) => c.logicalId)]);
    for (const mapping of view.eventSourceMappings().filter((m) => readers.has(m.sourceId))) {
      const fn = view.function(mapping.functionId);
      const batches = MILLION / mapping.batchSize;
      items.push(...invocationItems(fn, batches, a.streamBatchOverheadMs + mapping.batchSize * a.streamRecordMs, a));
      items.push(...tableWriteItems(fn, view, batches, STREAM_WRITES_PER_BATCH, 'batch'));
    }
    return {
      items,
      assumptions: [
        `${a.recordBytes} B per record`,
        'full batches of each mapping\'s BatchSize (a slow producer gets smaller batches, hence more invocations)',
        `${a.streamRecordMs} ms per record + ${a.streamBatchOverheadMs} ms per batch`,
        'polling reads (GetRecords) of a provisioned stream are free; KMS requests of the AWS managed stream key are negligible and not counted',
        `${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/**
 * pipeline: per job the ventilator runs once (one conditional put of the job item, and Powertools
 * idempotency's two writes of the request's record: in progress, then completed with the answer) and
 * publishes the subtasks in batches of 10; SNS invokes the worker once per subtask (delivery free); per
 * subtask the worker's transaction writes the result item and updates the job (2 items x 2 WRU), then
 * tries the conditional finalize (1 WRU, consumed whether or not it applies).
 */
const PIPELINE_WORKER_WRITES_PER_SUBTASK: Readonly<Record<string, number>> = { RESULTS_TABLE_NAME: 2, JOBS_TABLE_NAME: 2 + 1 };
const PIPELINE_VENTILATOR_WRITES_PER_JOB: Readonly<Record<string, number>> = { JOBS_TABLE_NAME: 1, IDEMPOTENCY_TABLE_NAME: 2 };

const pipeline: PathModel = {
  message: 'subtask of a job',
  description: 'ventilator per job (job item + idempotency record); PublishBatch of 10; one worker invocation per subtask; transactional fan-in + finalize attempt',
  estimate: (view, a) => {
    const topic = view.single('AWS::SNS::Topic', 'the pipeline model');
    const workerSubs = view.subscriptions().filter((s) => s.topicId === topic.logicalId && s.protocol === 'lambda' && s.endpointId !== undefined);
    if (workerSubs.length !== 1) throw new Error(`the pipeline model needs one Lambda subscription to ${topic.logicalId}, but ${workerSubs.length} were found`);
    const worker = view.function(workerSubs[0]!.endpointId!);
    const ventilators = view.functions().filter((f) => [...f.environmentRefs.values()].includes(topic.logicalId));
    if (ventilators.length !== 1) throw new Error(`the pipeline model needs one function publishing to ${topic.logicalId}, but ${ventilators.length} were found`);
    const ventilator = ventilators[0]!;
    const jobs = MILLION / a.pipelineSubtasksPerJob;
    return {
      items: [
        ...invocationItems(ventilator, jobs, a.pipelineVentilatorMs, a),
        ...tableWriteItems(ventilator, view, jobs, PIPELINE_VENTILATOR_WRITES_PER_JOB, 'job'),
        ...snsPublishItems(topic.logicalId, MILLION, a),
        item(`${worker.logicalId}: SNS delivery`, MILLION, 'sns.deliveryToLambda'),
        ...invocationItems(worker, MILLION, a.pipelineSubtaskMs, a),
        ...tableWriteItems(worker, view, MILLION, PIPELINE_WORKER_WRITES_PER_SUBTASK, 'subtask'),
      ],
      assumptions: [
        `${a.pipelineSubtasksPerJob} subtasks per job (the ventilator's run and job item are shared by them)`,
        `${a.messageBytes} B per subtask message`,
        `${a.pipelineVentilatorMs} ms per ventilator run, ${a.pipelineSubtaskMs} ms per subtask`,
        'no redeliveries: every subtask succeeds on its first invocation',
        `${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/** The per-message model of each module. A module without one cannot be estimated (an error says so). */
export const PATH_MODELS: Readonly<Record<string, PathModel>> = {
  fanout,
  'worker-pool': workerPool,
  stream,
  pipeline,
};

/** Cost of one million messages through `moduleName`'s path, from its template. */
export function estimatePathCost(moduleName: string, template: CfnTemplate, assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS): PathCost {
  const model = PATH_MODELS[moduleName];
  if (!model) {
    throw new Error(`no per-message cost model for module '${moduleName}': add one to PATH_MODELS in labs/cost/estimate.ts`);
  }
  const { items, assumptions: stated } = model.estimate(new TemplateView(template), assumptions);
  return {
    message: model.message,
    perMillionMessages: sum(items.map((i) => i.usd)),
    lineItems: items,
    assumptions: [`a message is one ${model.message}`, `model: ${model.description}`, ...stated],
  };
}

/** Idle and per-message cost of one module's template. */
export function estimateModuleCost(moduleName: string, template: CfnTemplate, assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS): ModuleCostEstimate {
  const idle = estimateIdleCost(template, assumptions);
  const path = estimatePathCost(moduleName, template, assumptions);
  return {
    module: moduleName,
    idlePerHour: idle.perHour,
    idlePerMonth: idle.perMonth,
    perMillionMessages: path.perMillionMessages,
    lineItems: { idle: idle.lineItems, perMillionMessages: path.lineItems },
    notBilledWhileIdle: idle.notBilledWhileIdle,
    assumptions: [...idle.assumptions, ...path.assumptions],
  };
}

/** Idle-cost targets with the default settings: the stream module bills shards; the others nearly nothing. */
export const IDLE_TARGET_PER_HOUR: Readonly<Record<string, number>> = { stream: 0.25 };
export const DEFAULT_IDLE_TARGET_PER_HOUR = 0.01;

export function idleTargetPerHour(moduleName: string): number {
  return IDLE_TARGET_PER_HOUR[moduleName] ?? DEFAULT_IDLE_TARGET_PER_HOUR;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
