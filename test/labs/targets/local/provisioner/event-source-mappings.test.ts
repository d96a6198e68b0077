import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { provision } from '../../../../../labs/targets/local/provisioner';

const dynamodb = mockClient(DynamoDBClient);

const TABLE_STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-01T00:00:00.000';

describe('event-source mappings', () => {
  beforeEach(() => {
    dynamodb.reset();
    dynamodb.on(CreateTableCommand).resolves({});
    dynamodb.on(DescribeTableCommand).resolves({
      Table: { TableStatus: 'ACTIVE', TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders', LatestStreamArn: TABLE_STREAM_ARN },
    });
  });

  test('fails if a mapping reads a kind of source the local cloud does not poll, naming the mapping and the source', async () => {
    // GIVEN a mapping on a table's stream
    const template = {
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
            StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          },
        },
        Projector: {
          Type: 'AWS::Lambda::Function',
          Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' },
          Metadata: { 'aws:asset:path': 'asset.projector' },
        },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: { Ref: 'Projector' }, EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] }, StartingPosition: 'LATEST' },
        },
      },
    };

    // WHEN / THEN
    await expect(
      provision({ template, stackName: 'S', assemblyDir: '/tmp', emulators: { endpoints: { dynamodb: 'http://127.0.0.1:3' } } }),
    ).rejects.toThrow(/AWS::Lambda::EventSourceMapping \(Mapping\): event source arn:aws:dynamodb:\S+\/stream\/\S+ is not supported by the local cloud/);
  });
});
