import { HOURS_PER_MONTH, PRICES, unitPrice, type PriceId } from './prices';
import { TemplateView, type CfnTemplate, type ResourceRef } from './template';
import { DEFAULT_ASSUMPTIONS, type CostAssumptions } from './assumptions';

/**
 * Idle cost: what the deployed stack bills per hour with no traffic. Every resource type is either
 * priced by a rule below or listed in NOT_BILLED_WHILE_IDLE; any other type is an error, so a new
 * resource is never silently counted as free.
 */

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

/**
 * Types that bill nothing while deployed and idle: they bill per request, per byte or per GB-month of
 * data a lab leaves behind (a few KB), or not at all. An SQS event-source mapping is listed here and
 * also priced by a rule, for the long polls its pollers make while the queue is empty.
 */
export const NOT_BILLED_WHILE_IDLE: ReadonlySet<string> = new Set([
  'AWS::SQS::Queue',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Stage',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
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

/** Shards of a stream resource, or 'on-demand'. */
export function streamShards(stream: ResourceRef, view: TemplateView): number | 'on-demand' {
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
        `cannot estimate the idle cost of ${resource.logicalId} (${resource.type}): add a price rule for the type, or list it as not billed while idle, in labs/cost/idle.ts`,
      );
    }
    if (items.length === 0) notBilledWhileIdle.push(`${resource.logicalId} (${resource.type})`);
    pollsSqs ||= items.some((i) => i.priceId === 'sqs.requests');
    lineItems.push(...items);
  }
  const hourly = lineItems.reduce((total, i) => total + i.perHour, 0);
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
