import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  RegisterStreamConsumerCommand,
  type StreamMode,
} from '@aws-sdk/client-kinesis';
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type BillingMode,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type ProvisionedThroughput,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { rejectUnsupported, required, type ProvisionedResource, type ResourceInput } from './resource-provisioner';
import { NAME_LIMITS, physicalName } from './names';

const ACTIVE_TIMEOUT_MS = 30_000;
const POLL_MS = 20;

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS / 1000} s`);
    }
    await sleep(POLL_MS);
  }
}

/** Encryption at rest and tags have no local meaning. */
const STREAM_PROPERTIES_IGNORED = ['StreamEncryption', 'Tags', 'DesiredShardLevelMetrics'];

export async function createStream(input: ResourceInput): Promise<ProvisionedResource> {
  const known = new Set([...STREAM_PROPERTIES_IGNORED, 'Name', 'ShardCount', 'StreamModeDetails', 'RetentionPeriodHours']);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  const streamName =
    (input.properties.Name as string | undefined) ??
    physicalName(input.stackName, input.logicalId, { maxLength: NAME_LIMITS.stream });
  const mode = (input.properties.StreamModeDetails as { StreamMode?: StreamMode } | undefined)?.StreamMode;
  const onDemand = mode === 'ON_DEMAND';
  await input.clients.kinesis.send(
    new CreateStreamCommand({
      StreamName: streamName,
      ...(onDemand ? {} : { ShardCount: Number(input.properties.ShardCount ?? 1) }),
      ...(mode ? { StreamModeDetails: { StreamMode: mode } } : {}),
    }),
  );
  const summary = await waitFor(
    `stream ${streamName}`,
    () => input.clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })),
    (s) => s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
  );
  const retention = input.properties.RetentionPeriodHours;
  if (retention !== undefined && Number(retention) > 24) {
    await input.clients.kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: streamName, RetentionPeriodHours: Number(retention) }),
    );
  }
  const streamArn = summary.StreamDescriptionSummary!.StreamARN!;
  return { ref: streamName, attributes: { Arn: streamArn } };
}

/** AWS::Kinesis::StreamConsumer: registered and waited on until ACTIVE; its Ref is the consumer ARN. */
export async function createStreamConsumer(input: ResourceInput): Promise<ProvisionedResource> {
  rejectUnsupported(
    input,
    Object.keys(input.properties).filter((name) => !['StreamARN', 'ConsumerName', 'Tags'].includes(name)),
  );
  const streamArn = required<string>(input, 'StreamARN');
  const consumerName = required<string>(input, 'ConsumerName');
  const { Consumer } = await input.clients.kinesis.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
  );
  const consumerArn = Consumer!.ConsumerARN!;
  const described = await waitFor(
    `stream consumer ${consumerName}`,
    () => input.clients.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn })),
    (d) => d.ConsumerDescription?.ConsumerStatus === 'ACTIVE',
  );
  return {
    ref: consumerArn,
    attributes: {
      ConsumerARN: consumerArn,
      ConsumerName: consumerName,
      StreamARN: streamArn,
      ConsumerStatus: 'ACTIVE',
      ConsumerCreationTimestamp: described.ConsumerDescription?.ConsumerCreationTimestamp?.toISOString() ?? '',
    },
  };
}

/**
 * Settings with no local meaning: encryption, backups, deletion protection, storage class, insights,
 * resource policies, tags, import sources, Kinesis replication.
 */
const TABLE_PROPERTIES_IGNORED = [
  'SSESpecification',
  'PointInTimeRecoverySpecification',
  'DeletionProtectionEnabled',
  'TableClass',
  'ContributorInsightsSpecification',
  'ResourcePolicy',
  'Tags',
  'WarmThroughput',
  'OnDemandThroughput',
];

interface IndexProperties {
  readonly IndexName: string;
  readonly KeySchema: KeySchemaElement[];
  readonly Projection: GlobalSecondaryIndex['Projection'];
  readonly ProvisionedThroughput?: ProvisionedThroughput;
}

export async function createTable(input: ResourceInput): Promise<ProvisionedResource> {
  const known = new Set([
    ...TABLE_PROPERTIES_IGNORED,
    'TableName',
    'KeySchema',
    'AttributeDefinitions',
    'BillingMode',
    'ProvisionedThroughput',
    'GlobalSecondaryIndexes',
    'LocalSecondaryIndexes',
    'StreamSpecification',
    'TimeToLiveSpecification',
  ]);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  const tableName =
    (input.properties.TableName as string | undefined) ??
    physicalName(input.stackName, input.logicalId, { maxLength: NAME_LIMITS.table });
  const billingMode = (input.properties.BillingMode as BillingMode | undefined) ?? 'PROVISIONED';
  const provisioned = billingMode === 'PROVISIONED';
  const index = (i: IndexProperties) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection,
    ...(provisioned && i.ProvisionedThroughput ? { ProvisionedThroughput: throughput(i.ProvisionedThroughput) } : {}),
  });
  const gsis = (input.properties.GlobalSecondaryIndexes as IndexProperties[] | undefined)?.map(index);
  const lsis = (input.properties.LocalSecondaryIndexes as IndexProperties[] | undefined)?.map(
    (i): LocalSecondaryIndex => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection }),
  );
  const stream = input.properties.StreamSpecification as { StreamViewType?: StreamViewType } | undefined;
  await input.clients.dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: required<KeySchemaElement[]>(input, 'KeySchema'),
      AttributeDefinitions: required<AttributeDefinition[]>(input, 'AttributeDefinitions'),
      BillingMode: billingMode,
      ...(provisioned
        ? { ProvisionedThroughput: throughput(required<ProvisionedThroughput>(input, 'ProvisionedThroughput')) }
        : {}),
      ...(gsis?.length ? { GlobalSecondaryIndexes: gsis as GlobalSecondaryIndex[] } : {}),
      ...(lsis?.length ? { LocalSecondaryIndexes: lsis } : {}),
      ...(stream?.StreamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } } : {}),
    }),
  );
  const { Table } = await waitFor(
    `table ${tableName}`,
    () => input.clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName })),
    (d) => d.Table?.TableStatus === 'ACTIVE',
  );
  const ttl = input.properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (ttl && String(ttl.Enabled) === 'true') {
    await input.clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  }
  return {
    ref: tableName,
    attributes: { Arn: Table!.TableArn!, ...(Table!.LatestStreamArn ? { StreamArn: Table!.LatestStreamArn } : {}) },
  };
}

function throughput(value: ProvisionedThroughput): ProvisionedThroughput {
  return { ReadCapacityUnits: Number(value.ReadCapacityUnits), WriteCapacityUnits: Number(value.WriteCapacityUnits) };
}
