import { DEFAULT_ASSUMPTIONS, type CostAssumptions } from '../../../labs/cost/assumptions';
import { estimateModuleCost } from '../../../labs/cost/estimate';
import { estimateIdleCost } from '../../../labs/cost/idle';
import { estimatePathCost, type PathLineItem } from '../../../labs/cost/path';
import { fanoutLab } from '../../../labs/modules/fanout';
import { pipelineLab } from '../../../labs/modules/pipeline';
import { streamLab } from '../../../labs/modules/stream';
import { workerPoolLab } from '../../../labs/modules/worker-pool';
import type { CfnResource, CfnTemplate } from '../../../labs/cost/template';

const ref = (id: string) => ({ Ref: id });
const arn = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
const template = (resources: Record<string, CfnResource>): CfnTemplate => ({ Resources: resources });

const provisionedStream = (shards: number): CfnResource => ({
  Type: 'AWS::Kinesis::Stream',
  Properties: { ShardCount: shards, StreamModeDetails: { StreamMode: 'PROVISIONED' } },
});
const consumer = (name: string, stream: string): CfnResource => ({
  Type: 'AWS::Kinesis::StreamConsumer',
  Properties: { ConsumerName: name, StreamARN: arn(stream) },
});
const fn = (memoryMiB: number, environment: Record<string, unknown> = {}): CfnResource => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Architectures: ['arm64'], MemorySize: memoryMiB, Environment: { Variables: environment } },
});
const mapping = (functionId: string, source: unknown, batchSize?: number): CfnResource => ({
  Type: 'AWS::Lambda::EventSourceMapping',
  Properties: { FunctionName: ref(functionId), EventSourceArn: source, ...(batchSize ? { BatchSize: batchSize } : {}) },
});
const queue: CfnResource = { Type: 'AWS::SQS::Queue', Properties: {} };
const onDemandTable: CfnResource = { Type: 'AWS::DynamoDB::Table', Properties: { BillingMode: 'PAY_PER_REQUEST' } };

/** Round figures that make the hand computations below easy to follow. */
const assumptions = (overrides: Partial<CostAssumptions> = {}): CostAssumptions => ({ ...DEFAULT_ASSUMPTIONS, ...overrides });
const byPrice = (items: readonly PathLineItem[], priceId: string) => items.filter((i) => i.priceId === priceId);
const total = (items: readonly PathLineItem[], field: 'quantity' | 'usd') => items.reduce((s, i) => s + i[field], 0);

describe('idle cost', () => {
  test('a 2-shard provisioned stream with 1 enhanced fan-out consumer costs 2 x 0.015 + 1 x 2 x 0.015 = $0.06/h', () => {
    // GIVEN
    const t = template({ Stream: provisionedStream(2), Reader: consumer('reader', 'Stream') });
    // WHEN
    const idle = estimateIdleCost(t);
    // THEN
    expect(idle.perHour).toBeCloseTo(0.06, 10);
    expect(idle.perMonth).toBeCloseTo(43.8, 8); // 0.06 x 730 h
    expect(idle.lineItems).toEqual([
      expect.objectContaining({ logicalId: 'Stream', what: '2 provisioned shard(s)', perHour: 0.03 }),
      expect.objectContaining({ logicalId: 'Reader', what: expect.stringMatching(/consumer 'reader' x 2 shard/) }),
    ]);
    expect(idle.lineItems[1]!.perHour).toBeCloseTo(0.03, 10);
  });

  test('each consumer is billed for every shard of its own stream', () => {
    // GIVEN two streams of 3 and 1 shards, a consumer on each
    const t = template({ Big: provisionedStream(3), Small: provisionedStream(1), A: consumer('a', 'Big'), B: consumer('b', 'Small') });
    // WHEN
    const idle = estimateIdleCost(t);
    // THEN (3 + 1) shards + (3 + 1) consumer-shards = 8 x $0.015
    expect(idle.perHour).toBeCloseTo(0.12, 10);
  });

  test('an on-demand stream costs $0.04 per stream-hour whatever its throughput', () => {
    const idle = estimateIdleCost(template({ Stream: { Type: 'AWS::Kinesis::Stream', Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } } }));
    expect(idle.perHour).toBeCloseTo(0.04, 10);
  });

  test('a standard alarm and a customer managed key cost $0.10 + $1.00 per month', () => {
    // GIVEN
    const t = template({
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 300, MetricName: 'Errors' } },
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
    });
    // WHEN
    const idle = estimateIdleCost(t);
    // THEN
    expect(idle.perMonth).toBeCloseTo(1.1, 10);
    expect(idle.perHour).toBeCloseTo(1.1 / 730, 12);
  });

  test('an idle SQS event-source mapping bills its empty long polls: 5 pollers x 180 polls/h x $0.40/million', () => {
    // GIVEN
    const t = template({ Queue: queue, Worker: fn(128), Mapping: mapping('Worker', arn('Queue')) });
    // WHEN
    const idle = estimateIdleCost(t);
    // THEN
    expect(idle.perHour).toBeCloseTo(0.00036, 12);
    expect(idle.lineItems).toEqual([expect.objectContaining({ logicalId: 'Mapping', priceId: 'sqs.requests' })]);
    expect(idle.assumptions).toContain('an idle SQS event-source mapping keeps 5 long polls of 20 s open');
  });

  test('queues, topics, functions, roles and on-demand tables are listed as not billed while idle', () => {
    const t = template({
      Queue: queue,
      Topic: { Type: 'AWS::SNS::Topic' },
      Worker: fn(128),
      Role: { Type: 'AWS::IAM::Role' },
      Table: onDemandTable,
      Expiry: { Type: 'AWS::Scheduler::Schedule' },
    });
    const idle = estimateIdleCost(t);
    expect(idle.perHour).toBe(0);
    expect(idle.notBilledWhileIdle).toEqual([
      'Queue (AWS::SQS::Queue)',
      'Topic (AWS::SNS::Topic)',
      'Worker (AWS::Lambda::Function)',
      'Role (AWS::IAM::Role)',
      'Table (AWS::DynamoDB::Table)',
      'Expiry (AWS::Scheduler::Schedule)',
    ]);
  });

  test('fails if the template holds a type the estimator does not know, naming it', () => {
    const t = template({ Queue: queue, Box: { Type: 'AWS::EC2::Instance', Properties: {} } });
    expect(() => estimateIdleCost(t)).toThrow(/cannot estimate the idle cost of Box \(AWS::EC2::Instance\)/);
  });

  test('fails if a table uses provisioned capacity', () => {
    const t = template({ Table: { Type: 'AWS::DynamoDB::Table', Properties: { BillingMode: 'PROVISIONED' } } });
    expect(() => estimateIdleCost(t)).toThrow(/Table \(AWS::DynamoDB::Table\) uses provisioned capacity/);
  });

  test('fails if a shard count is not a literal number', () => {
    const t = template({ Stream: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: ref('ShardsParameter') } } });
    expect(() => estimateIdleCost(t)).toThrow(/Stream \(AWS::Kinesis::Stream\) property ShardCount must be a literal number/);
  });

  test('fails if an enhanced fan-out consumer reads an on-demand stream', () => {
    const t = template({
      Stream: { Type: 'AWS::Kinesis::Stream', Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } },
      Reader: consumer('reader', 'Stream'),
    });
    expect(() => estimateIdleCost(t)).toThrow(/Reader reads on-demand stream Stream/);
  });
});

describe('cost per million messages', () => {
  const workerPoolTemplate = (environment: Record<string, unknown>) =>
    template({
      Work: queue,
      Ledger: onDemandTable,
      Worker: fn(512, environment),
      Mapping: mapping('Worker', arn('Work'), 5),
    });

  test('worker pool, batch 5, 512 MiB, 100 ms tasks, 1 ledger write per task: hand-computed $1.627037', () => {
    // GIVEN
    const t = workerPoolTemplate({ LEDGER_TABLE_NAME: ref('Ledger') });
    // WHEN
    const path = estimatePathCost(workerPoolLab.cost.path, t, assumptions({ workerPoolTaskMs: 100, messageBytes: 1024, logBytesPerInvocation: 1024 }));
    // THEN
    // SendMessageBatch 100,000 + ReceiveMessage 200,000 + DeleteMessageBatch 200,000 requests x $0.40/M = $0.20
    expect(total(byPrice(path.lineItems, 'sqs.requests'), 'quantity')).toBe(500_000);
    // 200,000 invocations x $0.20/M = $0.04
    expect(byPrice(path.lineItems, 'lambda.requests')[0]!.quantity).toBe(200_000);
    // 200,000 x 0.5 GB x 0.5 s = 50,000 GB-s x $0.0000133334 = $0.66667
    expect(byPrice(path.lineItems, 'lambda.arm64GbSecond')[0]!.quantity).toBe(50_000);
    // 200,000 x 1 KiB of logs = 0.1907 GB x $0.50 = $0.095367
    // 1,000,000 WRU x $0.625/M = $0.625
    expect(byPrice(path.lineItems, 'dynamodb.onDemandWriteRequestUnits')).toEqual([
      expect.objectContaining({ what: 'Ledger: 1 WRU per task (Worker)', quantity: 1_000_000 }),
    ]);
    expect(path.perMillionMessages).toBeCloseTo(1.627037, 5);
    expect(path.assumptions).toEqual(expect.arrayContaining(['100 ms per task, tasks of a batch run one after the other']));
  });

  test('fails if a function writes a table the model has no write count for', () => {
    const t = workerPoolTemplate({ AUDIT_TABLE_NAME: ref('Ledger') });
    expect(() => estimatePathCost(workerPoolLab.cost.path, t)).toThrow(/Worker writes table Ledger \(AUDIT_TABLE_NAME\), but the cost model does not know/);
  });

  test('fanout: 10 KiB messages fill two 64 KB chunks per PublishBatch of 10, and each queue is drained 10 at a time', () => {
    // GIVEN a topic with two subscribed queues, one filtering
    const t = template({
      Topic: { Type: 'AWS::SNS::Topic' },
      A: queue,
      B: queue,
      SubA: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: ref('Topic'), Protocol: 'sqs', Endpoint: arn('A') } },
      SubB: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: ref('Topic'), Protocol: 'sqs', Endpoint: arn('B'), FilterPolicy: { x: ['y'] } } },
    });
    // WHEN
    const path = estimatePathCost(fanoutLab.cost.path, t, assumptions({ messageBytes: 10 * 1024 }));
    // THEN 100,000 batches x 2 chunks = 200,000 publishes x $0.50/M = $0.10
    expect(byPrice(path.lineItems, 'sns.publishes')[0]!.quantity).toBe(200_000);
    // per queue: 100,000 receives of 10 x 10 KiB (2 chunks) = 200,000 + 100,000 deletes, x 2 queues x $0.40/M = $0.24
    expect(total(byPrice(path.lineItems, 'sqs.requests'), 'quantity')).toBe(600_000);
    expect(path.perMillionMessages).toBeCloseTo(0.34, 10);
    expect(path.assumptions).toContain('every filter policy matches (1 subscription(s) filter; upper bound)');
  });

  test('stream: 30 KiB records take 2 PUT payload units; each consumer pays enhanced fan-out GB; one checkpoint write per partition key of a batch', () => {
    // GIVEN 2 shards, a polling mapping (batch 100) and an enhanced fan-out consumer with a mapping (batch 50)
    const t = template({
      Stream: provisionedStream(2),
      Reader: consumer('reader', 'Stream'),
      Checkpoints: onDemandTable,
      Poller: fn(256, { CHECKPOINT_TABLE_NAME: ref('Checkpoints') }),
      Pushed: fn(256, { CHECKPOINT_TABLE_NAME: ref('Checkpoints') }),
      PollerMapping: mapping('Poller', arn('Stream'), 100),
      PushedMapping: mapping('Pushed', arn('Reader', 'ConsumerARN'), 50),
    });
    // WHEN
    const path = estimatePathCost(streamLab.cost.path, t, assumptions({ recordBytes: 30 * 1024, streamKeysPerBatch: 5 }));
    // THEN 2,000,000 units x $0.014/M = $0.028
    expect(byPrice(path.lineItems, 'kinesis.putPayloadUnits')).toEqual([expect.objectContaining({ quantity: 2_000_000 })]);
    expect(byPrice(path.lineItems, 'kinesis.putPayloadUnits')[0]!.usd).toBeCloseTo(0.028, 10);
    // 1,000,000 x 30 KiB = 28.61 GB x $0.013 = $0.37193
    const retrieved = byPrice(path.lineItems, 'kinesis.enhancedFanOutDataRetrievalGb');
    expect(retrieved).toHaveLength(1);
    expect(retrieved[0]!.usd).toBeCloseTo(0.371933, 6);
    // 10,000 polling batches + 20,000 pushed batches: one invocation each, and one checkpoint write per
    // partition key (5 per batch)
    expect(byPrice(path.lineItems, 'lambda.requests').map((i) => i.quantity)).toEqual([10_000, 20_000]);
    expect(total(byPrice(path.lineItems, 'dynamodb.onDemandWriteRequestUnits'), 'quantity')).toBe(150_000);
    expect(path.assumptions).toContain('5 partition keys per batch, one checkpoint write each');
  });

  test('pipeline: per subtask 2 x 2 WRU of transaction + 1 finalize attempt; per job of 100 subtasks 1 job write + 2 idempotency writes', () => {
    // GIVEN
    const t = template({
      Jobs: onDemandTable,
      Results: onDemandTable,
      Idempotency: onDemandTable,
      Topic: { Type: 'AWS::SNS::Topic' },
      Ventilator: fn(256, { SUBTASK_TOPIC_ARN: ref('Topic'), JOBS_TABLE_NAME: ref('Jobs'), IDEMPOTENCY_TABLE_NAME: ref('Idempotency') }),
      Worker: fn(256, { JOBS_TABLE_NAME: ref('Jobs'), RESULTS_TABLE_NAME: ref('Results') }),
      Sub: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: ref('Topic'), Protocol: 'lambda', Endpoint: arn('Worker') } },
    });
    // WHEN
    const path = estimatePathCost(pipelineLab.cost.path, t, assumptions({ pipelineSubtasksPerJob: 100 }));
    // THEN 10,000 jobs x (1 job + 2 idempotency) + 3,000,000 (jobs table) + 2,000,000 (results table) WRU
    // = 5,030,000 x $0.625/M
    const writes = byPrice(path.lineItems, 'dynamodb.onDemandWriteRequestUnits');
    expect(writes).toEqual(
      expect.arrayContaining([expect.objectContaining({ what: 'Idempotency: 2 WRU per job (Ventilator)', quantity: 20_000 })]),
    );
    expect(total(writes, 'quantity')).toBe(5_030_000);
    expect(total(writes, 'usd')).toBeCloseTo(3.14375, 10);
    // one worker invocation per subtask, one ventilator invocation per job
    expect(byPrice(path.lineItems, 'lambda.requests').map((i) => i.quantity)).toEqual([10_000, 1_000_000]);
    expect(byPrice(path.lineItems, 'sns.publishes')[0]!.quantity).toBe(100_000);
  });

  test('the module estimate adds both parts and keeps every assumption', () => {
    const t = template({ Stream: provisionedStream(1), Poller: fn(128), PollerMapping: mapping('Poller', arn('Stream')) });
    const estimate = estimateModuleCost('stream', streamLab.cost, t);
    expect(estimate.idlePerHour).toBeCloseTo(0.015, 10);
    expect(estimate.idlePerMonth).toBeCloseTo(10.95, 10);
    expect(estimate.perMillionMessages).toBeGreaterThan(0);
    expect(estimate.assumptions).toEqual(expect.arrayContaining(['a month is 730 hours', '1024 B per record']));
  });
});
