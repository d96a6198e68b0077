import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { provision } from '../../../../../labs/targets/local/provisioner';

const dynamodb = mockClient(DynamoDBClient);

const TABLE_STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-01T00:00:00.000';

/** A table with a stream, a function, and a mapping from `source` to the function with `settings`. */
function templateWith(source: unknown, settings: Record<string, unknown>) {
  return {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        },
      },
      Projector: {
        Type: 'AWS::Lambda::Function',
        Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' },
        Metadata: { 'aws:asset:path': 'asset.projector' },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { Ref: 'Projector' }, EventSourceArn: source, ...settings },
      },
    },
  };
}

const provisionTemplate = (template: object) =>
  provision({ template, stackName: 'S', assemblyDir: '/tmp', emulators: { endpoints: { dynamodb: 'http://127.0.0.1:3' } } });

describe('event-source mappings', () => {
  beforeEach(() => {
    dynamodb.reset();
    dynamodb.on(CreateTableCommand).resolves({});
    dynamodb.on(DescribeTableCommand).resolves({
      Table: { TableStatus: 'ACTIVE', TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders', LatestStreamArn: TABLE_STREAM_ARN },
    });
  });

  test('creates the table stream and a DynamoDB stream mapping with the template settings', async () => {
    // GIVEN a mapping on a table's stream
    const template = templateWith(
      { 'Fn::GetAtt': ['Table', 'StreamArn'] },
      {
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 25,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
      },
    );

    // WHEN
    const deployment = await provisionTemplate(template);

    // THEN
    expect(dynamodb.commandCalls(CreateTableCommand)[0]?.args[0].input.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(deployment.eventSources).toEqual([
      expect.objectContaining({
        kind: 'dynamodb',
        logicalId: 'Mapping',
        tableName: 'orders',
        streamArn: TABLE_STREAM_ARN,
        startingPosition: 'TRIM_HORIZON',
        batchSize: 25,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 3,
        maximumRecordAgeSeconds: 3600,
        reportBatchItemFailures: true,
        onFailureDestinationArn: 'arn:aws:sqs:us-east-1:000000000000:failures',
        parallelizationFactor: 1,
      }),
    ]);
  });

  test('fails if a DynamoDB stream mapping starts AT_TIMESTAMP, which Lambda refuses', async () => {
    const template = templateWith({ 'Fn::GetAtt': ['Table', 'StreamArn'] }, { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 1 });

    await expect(provisionTemplate(template)).rejects.toThrow(/Mapping.*starts at TRIM_HORIZON or LATEST.*not AT_TIMESTAMP/);
  });

  test('fails if a mapping reads a kind of source the local cloud does not poll, naming the mapping and the source', async () => {
    // GIVEN a mapping on an Amazon MQ broker
    const template = templateWith('arn:aws:mq:us-east-1:000000000000:broker:orders:b-1234', {});

    // WHEN / THEN
    await expect(provisionTemplate(template)).rejects.toThrow(
      /AWS::Lambda::EventSourceMapping \(Mapping\): event source arn:aws:mq:\S+ is not supported by the local cloud/,
    );
  });
});
