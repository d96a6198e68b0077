import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { resolve } from 'node:path';
import type { KinesisEventSourceSpec, LocalDeployment, SqsEventSourceSpec } from '../../../../labs/targets/local/model';
import { creationWaves, physicalName, provision, requiredServices } from '../../../../labs/targets/local/provisioner';
import { synthTestStack, type SynthesizedTestStack } from './fixtures/test-stack';

const ENDPOINTS = { sqs: 'http://127.0.0.1:1', sns: 'http://127.0.0.1:1', kinesis: 'http://127.0.0.1:2', dynamodb: 'http://127.0.0.1:3' };
const sqs = mockClient(SQSClient);
const sns = mockClient(SNSClient);
const kinesis = mockClient(KinesisClient);
const dynamodb = mockClient(DynamoDBClient);

/** Emulator-shaped answers, so the provisioner runs without emulators. */
function answerLikeTheEmulators(): void {
  sqs.on(CreateQueueCommand).callsFake((input: { QueueName: string }) => ({ QueueUrl: `${ENDPOINTS.sqs}/000000000000/${input.QueueName}` }));
  sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
    Attributes: { QueueArn: `arn:aws:sqs:us-east-1:000000000000:${input.QueueUrl.split('/').pop()}` },
  }));
  sns.on(CreateTopicCommand).callsFake((input: { Name: string }) => ({ TopicArn: `arn:aws:sns:us-east-1:000000000000:${input.Name}` }));
  let subscriptions = 0;
  sns.on(SubscribeCommand).callsFake((input: { TopicArn: string }) => ({ SubscriptionArn: `${input.TopicArn}:sub-${++subscriptions}` }));
  kinesis.on(CreateStreamCommand).resolves({});
  kinesis.on(DescribeStreamSummaryCommand).callsFake((input: { StreamName: string }) => ({
    StreamDescriptionSummary: { StreamStatus: 'ACTIVE', StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${input.StreamName}` },
  }));
  kinesis.on(RegisterStreamConsumerCommand).callsFake((input: { StreamARN: string; ConsumerName: string }) => ({
    Consumer: { ConsumerARN: `${input.StreamARN}/consumer/${input.ConsumerName}:1700000000` },
  }));
  kinesis.on(DescribeStreamConsumerCommand).resolves({ ConsumerDescription: { ConsumerStatus: 'ACTIVE' } as never });
  dynamodb.on(CreateTableCommand).resolves({});
  dynamodb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => ({
    Table: {
      TableStatus: 'ACTIVE',
      TableArn: `arn:aws:dynamodb:ddblocal:000000000000:table/${input.TableName}`,
      LatestStreamArn: `arn:aws:dynamodb:ddblocal:000000000000:table/${input.TableName}/stream/2026`,
    },
  }));
  dynamodb.on(UpdateTimeToLiveCommand).resolves({});
}

let stack: SynthesizedTestStack;
let deployment: LocalDeployment;

beforeAll(async () => {
  stack = synthTestStack();
  answerLikeTheEmulators();
  deployment = await provision({
    template: stack.template,
    stackName: stack.stackName,
    assemblyDir: stack.assemblyDir,
    emulators: { endpoints: ENDPOINTS },
  });
}, 60_000);
afterAll(() => stack.close());

const NAME = (logicalPrefix: string) => new RegExp(`^LocalCloudTest-${logicalPrefix}[0-9A-F]{8}-[A-Z0-9]{12}$`);

describe('provision (SDK answers stubbed)', () => {
  test('needs exactly the emulators of its resource types', () => {
    expect(requiredServices(stack.template)).toEqual(['dynamodb', 'kinesis', 'sns', 'sqs']);
  });

  test('creates the work queue with its redrive policy and visibility timeout, under a generated name', () => {
    expect(sqs).toHaveReceivedCommandWith(CreateQueueCommand, {
      QueueName: expect.stringMatching(NAME('WorkQueue')),
      Attributes: {
        VisibilityTimeout: '60',
        RedrivePolicy: expect.stringMatching(/^\{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:LocalCloudTest-DeadLetterQueue[^"]+","maxReceiveCount":3\}$/),
      },
    });
  });

  test('subscribes the red queue with its filter policy and raw delivery', () => {
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      Protocol: 'sqs',
      Endpoint: expect.stringMatching(/:LocalCloudTest-RedQueue/),
      Attributes: { FilterPolicy: '{"color":["red"]}', RawMessageDelivery: 'true' },
    });
  });

  test('relays the Lambda subscription through a queue with the same filter policy, keeping the SNS envelope', () => {
    const relay = deployment.eventSources.find((source) => source.kind === 'sns');
    expect(relay).toEqual({
      kind: 'sns',
      logicalId: expect.stringMatching(/^WorkerEvents/),
      functionName: deployment.functions[0].functionName,
      topicArn: deployment.outputs.TopicArn,
      subscriptionArn: expect.stringMatching(/:sub-\d$/),
      relayQueueUrl: expect.stringMatching(/\/LocalCloudTest-WorkerEvents[0-9A-F]{8}Relay-[A-Z0-9]{12}$/),
    });
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      Protocol: 'sqs',
      Endpoint: expect.stringMatching(/Relay-/),
      Attributes: { FilterPolicy: '{"color":["blue"]}' },
    });
  });

  test('creates the stream with its shard count and registers the consumer', () => {
    expect(kinesis).toHaveReceivedCommandWith(CreateStreamCommand, { StreamName: expect.stringMatching(NAME('Records')), ShardCount: 2 });
    expect(kinesis).toHaveReceivedCommandWith(RegisterStreamConsumerCommand, { ConsumerName: 'reader' });
    expect(deployment.outputs.ConsumerArn).toMatch(/\/consumer\/reader:1700000000$/);
  });

  test('creates the table with keys, on-demand billing, its GSI and stream, then turns TTL on', () => {
    expect(dynamodb).toHaveReceivedCommandWith(CreateTableCommand, {
      TableName: expect.stringMatching(NAME('Ledger')),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        { IndexName: 'byWorker', KeySchema: [{ AttributeName: 'worker', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateTimeToLiveCommand, {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('extracts the function spec: bundle, handler, limits, resolved environment, async settings, logging', () => {
    const [fn] = deployment.functions;
    const resource = (stack.template.Resources as Record<string, { Metadata?: Record<string, string> }>)[fn.logicalId];
    expect(deployment.functions).toHaveLength(1);
    expect(fn).toEqual({
      logicalId: expect.stringMatching(/^Worker/),
      functionName: expect.stringMatching(NAME('Worker')),
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${fn.functionName}`,
      bundleDir: expect.any(String),
      handler: 'index.handler',
      runtime: 'nodejs24.x',
      timeoutSeconds: 5,
      memorySizeMiB: 512,
      environment: expect.objectContaining({
        TABLE_NAME: deployment.outputs.TableName,
        QUEUE_URL: deployment.outputs.WorkQueueUrl,
        TOPIC_ARN: deployment.outputs.TopicArn,
      }),
      reservedConcurrentExecutions: 4,
      asyncInvoke: {
        maximumRetryAttempts: 1,
        deadLetterTargetArn: expect.stringMatching(/^arn:aws:sqs:us-east-1:000000000000:LocalCloudTest-FailureQueue/),
      },
      logFormat: 'JSON',
      logGroupName: expect.stringMatching(/^LocalCloudTest-WorkerLogGroup/),
    });
    // Without bundling the asset path is the source folder (absolute); bundled, it is relative to the assembly.
    expect(fn.bundleDir).toBe(resolve(stack.assemblyDir, resource.Metadata!['aws:asset:path']));
  });

  test('extracts the SQS mapping with its batch, window, concurrency and partial failures', () => {
    const spec = deployment.eventSources.find((s): s is SqsEventSourceSpec => s.kind === 'sqs');
    expect(spec).toEqual({
      kind: 'sqs',
      logicalId: expect.stringMatching(/^WorkerSqsEventSource/),
      functionName: deployment.functions[0].functionName,
      queueArn: expect.stringMatching(/:LocalCloudTest-WorkQueue/),
      queueUrl: deployment.outputs.WorkQueueUrl,
      batchSize: 5,
      maximumBatchingWindowSeconds: 1,
      maximumConcurrency: 3,
      reportBatchItemFailures: true,
      enabled: true,
    });
  });

  test('extracts the polling and enhanced fan-out Kinesis mappings, with Lambda defaults where the template is silent', () => {
    const specs = deployment.eventSources.filter((s): s is KinesisEventSourceSpec => s.kind === 'kinesis');
    const polling = specs.find((s) => !s.consumerArn);
    const fanOut = specs.find((s) => s.consumerArn);
    expect(polling).toMatchObject({
      streamName: deployment.outputs.StreamName,
      batchSize: 50,
      startingPosition: 'TRIM_HORIZON',
      parallelizationFactor: 2,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      maximumRecordAgeSeconds: -1,
      onFailureDestinationArn: expect.stringMatching(/:LocalCloudTest-FailureQueue/),
      reportBatchItemFailures: true,
    });
    expect(fanOut).toMatchObject({
      streamName: deployment.outputs.StreamName,
      streamArn: polling!.streamArn,
      consumerArn: deployment.outputs.ConsumerArn,
      consumerName: 'reader',
      batchSize: 100,
      startingPosition: 'LATEST',
      parallelizationFactor: 1,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: -1,
      reportBatchItemFailures: false,
    });
  });

  test('computes the outputs and reports what it skipped', () => {
    expect(deployment.outputs).toEqual({
      WorkQueueUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:1\/000000000000\/LocalCloudTest-WorkQueue/),
      TopicArn: expect.stringMatching(/^arn:aws:sns:us-east-1:000000000000:LocalCloudTest-Events/),
      StreamName: expect.stringMatching(NAME('Records')),
      ConsumerArn: expect.stringMatching(/^arn:aws:kinesis:/),
      TableName: expect.stringMatching(NAME('Ledger')),
      FunctionName: deployment.functions[0].functionName,
    });
    expect([...new Set(deployment.skipped!.map((s) => s.type))].sort()).toEqual([
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::Lambda::Permission',
      'AWS::Logs::LogGroup',
      'AWS::SQS::QueuePolicy',
    ]);
  });
});

describe('provision errors', () => {
  const run = (template: object) =>
    provision({ template, stackName: 'S', assemblyDir: '/tmp', emulators: { endpoints: ENDPOINTS } });

  test('fails if a resource type is not supported, before creating anything', async () => {
    sqs.resetHistory();
    const template = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
        Bucket: { Type: 'AWS::S3::Bucket' },
      },
    };
    await expect(run(template)).rejects.toThrow(
      'cannot provision AWS::S3::Bucket (Bucket): the local cloud does not support it',
    );
    expect(sqs).not.toHaveReceivedCommand(CreateQueueCommand);
    expect(() => requiredServices(template)).toThrow(/AWS::S3::Bucket \(Bucket\)/);
  });

  test('fails if an attribute is unknown, naming the logical id and attribute', async () => {
    const template = {
      Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
      Outputs: { Bad: { Value: { 'Fn::GetAtt': ['Queue', 'StreamArn'] } } },
    };
    await expect(run(template)).rejects.toThrow(/Queue \(AWS::SQS::Queue\) has no attribute StreamArn/);
  });

  test('fails if a property would be dropped', async () => {
    await expect(run({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { Shiny: true } } } })).rejects.toThrow(
      /AWS::SQS::Queue \(Queue\): property Shiny is not supported/,
    );
  });

  test('fails if an SQS mapping reads a queue whose visibility timeout is shorter than the function timeout', async () => {
    // GIVEN a queue the emulator reports with a 10 s visibility timeout, read by a 30 s function
    sqs.on(GetQueueAttributesCommand, { AttributeNames: ['VisibilityTimeout'] }).resolves({ Attributes: { VisibilityTimeout: '10' } });
    const template = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 10 } },
        Worker: {
          Type: 'AWS::Lambda::Function',
          Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x', Timeout: 30 },
          Metadata: { 'aws:asset:path': 'asset.worker' },
        },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: { Ref: 'Worker' }, EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
        },
      },
    };

    // WHEN / THEN
    try {
      await expect(run(template)).rejects.toThrow(
        /AWS::Lambda::EventSourceMapping \(Mapping\): queue visibility timeout 10 s is less than function Worker's timeout 30 s, .*give the queue a visibility timeout of at least the function timeout/,
      );
    } finally {
      sqs.reset();
      answerLikeTheEmulators();
    }
  });

  test('fails if a needed emulator is not running', async () => {
    await expect(
      provision({
        template: { Resources: { Stream: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 1 } } } },
        stackName: 'S',
        assemblyDir: '/tmp',
        emulators: { endpoints: { sqs: ENDPOINTS.sqs } },
      }),
    ).rejects.toThrow(/needs the kinesis emulator, which is not running/);
  });
});

describe('creationWaves', () => {
  test('orders resources after what they refer to or depend on, independent ones together', () => {
    const waves = creationWaves({
      Mapping: { Type: 'M', Properties: { Fn: { Ref: 'Function' }, Source: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
      Function: { Type: 'F', Properties: { Env: { 'Fn::Sub': '${Table}-${AWS::Region}' } }, DependsOn: ['Policy'] },
      Policy: { Type: 'P' },
      Queue: { Type: 'Q', Properties: { Region: { Ref: 'AWS::Region' } } },
      Table: { Type: 'T' },
    });
    expect(waves).toEqual([['Policy', 'Queue', 'Table'], ['Function'], ['Mapping']]);
  });

  test('fails if resources depend on each other in a circle', () => {
    expect(() =>
      creationWaves({ A: { Type: 'X', Properties: { B: { Ref: 'B' } } }, B: { Type: 'X', DependsOn: 'A' } }),
    ).toThrow('circular dependency between resources: A, B');
  });
});

describe('physicalName', () => {
  const random = () => 'ABCDEFGHIJKL';

  test('is <stackName>-<LogicalId>-<RANDOM> with a 12-character random part', () => {
    expect(physicalName('LabFanout', 'OrdersQueue1234ABCD', { maxLength: 80, random })).toBe(
      'LabFanout-OrdersQueue1234ABCD-ABCDEFGHIJKL',
    );
    expect(physicalName('LabFanout', 'Orders', { maxLength: 80 })).toMatch(/^LabFanout-Orders-[A-Z0-9]{12}$/);
  });

  test('trims the stack name and logical id to the service limit, keeping the FIFO suffix', () => {
    const name = physicalName('a'.repeat(60), 'B'.repeat(60), { maxLength: 80, random, suffix: '.fifo' });
    expect(name).toHaveLength(80);
    expect(name).toMatch(/^a+-B+-ABCDEFGHIJKL\.fifo$/);
    expect(physicalName('Short', 'L'.repeat(100), { maxLength: 64, random })).toHaveLength(64);
  });

  test('is different each time', () => {
    expect(physicalName('S', 'L', { maxLength: 64 })).not.toBe(physicalName('S', 'L', { maxLength: 64 }));
  });
});
