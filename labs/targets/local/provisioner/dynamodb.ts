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
import { NAME_LIMITS, physicalName } from './names';
import { rejectUnsupported, required, type ProvisionedResource, type ResourceInput } from './resource-provisioner';
import { waitFor } from './wait-for-active';

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
