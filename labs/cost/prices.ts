/**
 * The prices the cost estimator uses, as data: every figure carries its region, the day it was checked
 * and the AWS pricing page it comes from, so a reviewer can re-check each one and a stale figure is
 * visible. List prices in US dollars, before free tiers (a lab should not rely on an unused free tier).
 */

export const PRICE_REGION = 'us-east-1';

/** Hours in the month AWS uses for monthly figures (365 days x 24 h / 12). */
export const HOURS_PER_MONTH = 730;

export type PriceId =
  | 'kinesis.shardHour'
  | 'kinesis.putPayloadUnits'
  | 'kinesis.onDemandStreamHour'
  | 'kinesis.enhancedFanOutConsumerShardHour'
  | 'kinesis.enhancedFanOutDataRetrievalGb'
  | 'sqs.requests'
  | 'sns.publishes'
  | 'sns.deliveryToSqs'
  | 'sns.deliveryToLambda'
  | 'lambda.requests'
  | 'lambda.arm64GbSecond'
  | 'lambda.x86GbSecond'
  | 'dynamodb.onDemandWriteRequestUnits'
  | 'dynamodb.onDemandReadRequestUnits'
  | 'cloudwatch.standardAlarmMetricMonth'
  | 'cloudwatch.logsIngestedGb'
  | 'kms.customerManagedKeyMonth'
  | 'scheduler.invocations'
  | 'apigateway.httpApiRequests';

export interface Price {
  readonly id: PriceId;
  readonly service: string;
  /** What is billed, in the pricing page's terms. */
  readonly billed: string;
  /** Dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  readonly region: typeof PRICE_REGION;
  /** ISO date the figure was last compared with its source. */
  readonly checkedOn: string;
  /** The AWS pricing page of the service. */
  readonly source: string;
  /** How the figure was checked, and any billing rule the estimator depends on. */
  readonly note?: string;
}

const CHECKED_ON = '2026-11-25';
const KINESIS = 'https://aws.amazon.com/kinesis/data-streams/pricing/';
const SQS = 'https://aws.amazon.com/sqs/pricing/';
const SNS = 'https://aws.amazon.com/sns/pricing/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const KMS = 'https://aws.amazon.com/kms/pricing/';
const EVENTBRIDGE = 'https://aws.amazon.com/eventbridge/pricing/';
const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';

const PRICE_LIST: readonly Price[] = [
  {
    id: 'kinesis.shardHour',
    service: 'Kinesis Data Streams',
    billed: 'provisioned shard-hour',
    usd: 0.015,
    unit: 'shard-hour',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: KINESIS,
  },
  {
    id: 'kinesis.putPayloadUnits',
    service: 'Kinesis Data Streams',
    billed: 'PUT payload units (provisioned mode): each record counts one unit per started 25 KB',
    usd: 0.014,
    unit: 'million units',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: KINESIS,
    note: 'the 25 KB unit rule was confirmed on the pricing page; the rate is the one recorded in the project facts',
  },
  {
    id: 'kinesis.onDemandStreamHour',
    service: 'Kinesis Data Streams',
    billed: 'on-demand stream-hour',
    usd: 0.04,
    unit: 'stream-hour',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: KINESIS,
  },
  {
    id: 'kinesis.enhancedFanOutConsumerShardHour',
    service: 'Kinesis Data Streams',
    billed: 'enhanced fan-out consumer-shard-hour (each registered consumer, for every shard of its stream)',
    usd: 0.015,
    unit: 'consumer-shard-hour',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: KINESIS,
  },
  {
    id: 'kinesis.enhancedFanOutDataRetrievalGb',
    service: 'Kinesis Data Streams',
    billed: 'enhanced fan-out data retrieval',
    usd: 0.013,
    unit: 'GB',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: KINESIS,
  },
  {
    id: 'sqs.requests',
    service: 'SQS',
    billed: 'standard queue requests; every 64 KB chunk of a request payload counts as one request',
    usd: 0.4,
    unit: 'million requests',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: SQS,
    note: 'a SendMessageBatch, ReceiveMessage or DeleteMessageBatch of up to 10 small messages is one request (empty receives included)',
  },
  {
    id: 'sns.publishes',
    service: 'SNS',
    billed: 'standard topic publish requests; every 64 KB chunk of published data counts as one request',
    usd: 0.5,
    unit: 'million requests',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: SNS,
    note: 'PublishBatch is one request per 64 KB chunk: the SNS batching guide says batching cuts publish cost by up to 10 times',
  },
  {
    id: 'sns.deliveryToSqs',
    service: 'SNS',
    billed: 'deliveries to SQS queues',
    usd: 0,
    unit: 'million deliveries',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: SNS,
  },
  {
    id: 'sns.deliveryToLambda',
    service: 'SNS',
    billed: 'deliveries to Lambda functions (the invocation itself is billed by Lambda)',
    usd: 0,
    unit: 'million deliveries',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: SNS,
  },
  {
    id: 'lambda.requests',
    service: 'Lambda',
    billed: 'invocation requests',
    usd: 0.2,
    unit: 'million requests',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: LAMBDA,
  },
  {
    id: 'lambda.arm64GbSecond',
    service: 'Lambda',
    billed: 'duration on arm64 (first pricing tier), memory in GB x seconds',
    usd: 0.0000133334,
    unit: 'GB-second',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: LAMBDA,
  },
  {
    id: 'lambda.x86GbSecond',
    service: 'Lambda',
    billed: 'duration on x86_64 (first pricing tier), memory in GB x seconds',
    usd: 0.0000166667,
    unit: 'GB-second',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: LAMBDA,
  },
  {
    id: 'dynamodb.onDemandWriteRequestUnits',
    service: 'DynamoDB',
    billed: 'on-demand write request units: 1 per standard write of up to 1 KB, 2 per transactional write',
    usd: 0.625,
    unit: 'million WRU',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: DYNAMODB,
    note: 'a conditional write whose condition fails still consumes its write units',
  },
  {
    id: 'dynamodb.onDemandReadRequestUnits',
    service: 'DynamoDB',
    billed: 'on-demand read request units',
    usd: 0.125,
    unit: 'million RRU',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: DYNAMODB,
  },
  {
    id: 'cloudwatch.standardAlarmMetricMonth',
    service: 'CloudWatch',
    billed: 'standard-resolution alarm, per metric it evaluates',
    usd: 0.1,
    unit: 'alarm-metric-month',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: CLOUDWATCH,
  },
  {
    id: 'cloudwatch.logsIngestedGb',
    service: 'CloudWatch Logs',
    billed: 'standard log data ingested',
    usd: 0.5,
    unit: 'GB',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: CLOUDWATCH,
  },
  {
    id: 'kms.customerManagedKeyMonth',
    service: 'KMS',
    billed: 'customer managed key (AWS managed keys such as alias/aws/kinesis have no monthly fee)',
    usd: 1,
    unit: 'key-month',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: KMS,
  },
  {
    id: 'scheduler.invocations',
    service: 'EventBridge Scheduler',
    billed: 'schedule invocations beyond the monthly free tier of 14 million',
    usd: 1,
    unit: 'million invocations',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: EVENTBRIDGE,
  },
  {
    id: 'apigateway.httpApiRequests',
    service: 'API Gateway',
    billed: 'HTTP API requests (first 300 million a month); each 512 KB of a request counts as one',
    usd: 1,
    unit: 'million requests',
    region: PRICE_REGION,
    checkedOn: CHECKED_ON,
    source: API_GATEWAY,
    note: 'the HTTP API tier, not the REST API one ($3.50); an order request is far below 512 KB',
  },
];

/** Every price, by id. */
export const PRICES: Readonly<Record<PriceId, Price>> = Object.fromEntries(PRICE_LIST.map((p) => [p.id, p])) as Record<
  PriceId,
  Price
>;

/** Dollars per single unit: `perMillion` prices divided by a million, others as listed. */
export function unitPrice(id: PriceId): number {
  const price = PRICES[id];
  return price.unit.startsWith('million ') ? price.usd / 1_000_000 : price.usd;
}
