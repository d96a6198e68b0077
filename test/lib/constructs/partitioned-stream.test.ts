import { App, CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { projectContext } from '../../../lib/app';
import { PartitionedStream, type PartitionedStreamProps } from '../../../lib/constructs/partitioned-stream';
import { tlsOnlyPolicy } from '../../helpers/tls-only';

/**
 * A stack of its own for the construct, with the project's feature flags and no bundling. Template
 * validation is off here only to save its ~10 s start-up: the stack test synthesizes this construct
 * with validation on, as `cdk synth` does.
 */
function newStack(): Stack {
  const context = { ...projectContext(), 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:validateAgainstDefaultRules': false };
  const app = new App({ context });
  return new Stack(app, 'PartitionedStreamTest');
}

function newStream(props: PartitionedStreamProps = {}): PartitionedStream {
  return new PartitionedStream(newStack(), 'Clicks', props);
}

// GIVEN (for the whole file, synthesized once): non-default props, one consumer of each kind
const stack = newStack();
const clicks = new PartitionedStream(stack, 'Clicks', {
  shardCount: 2,
  batchSize: 50,
  retryAttempts: 3,
  maxRecordAge: Duration.hours(2),
});
const reader = clicks.addPollingConsumer('reader', { parallelizationFactor: 3 });
const audit = clicks.addEnhancedFanOutConsumer('audit-log');
const template = Template.fromStack(stack);

const streamRef = { 'Fn::GetAtt': [stack.getLogicalId(clicks.stream.node.defaultChild as never), 'Arn'] };
const tableArn = { 'Fn::GetAtt': [stack.getLogicalId(clicks.checkpointTable.node.defaultChild as never), 'Arn'] };
const queueArn = { 'Fn::GetAtt': [stack.getLogicalId(clicks.failureQueue.node.defaultChild as never), 'Arn'] };
const auditConsumerArn = { 'Fn::GetAtt': [stack.getLogicalId(audit.streamConsumer?.node.defaultChild as never), 'ConsumerARN'] };
const functionRef = (fn: typeof reader.handler) => ({ Ref: stack.getLogicalId(fn.node.defaultChild as never) });

/** Asserts that the policy of `fn`'s role holds a statement like `statement`, wherever it is in the list. */
function expectPolicyStatement(fn: typeof reader.handler, statement: Record<string, unknown>): void {
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: stack.getLogicalId(fn.role?.node.defaultChild as never) }],
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', ...statement })]) },
  });
}

/**
 * Asserts `fn`'s event-source mapping from `eventSourceArn` with every setting the props above give
 * (batch 50, bisect, 3 retries, 2 h record age, partial batch responses, the failure queue).
 */
function expectMapping(fn: typeof reader.handler, eventSourceArn: Record<string, unknown>, parallelizationFactor: number): void {
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    FunctionName: functionRef(fn),
    EventSourceArn: eventSourceArn,
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: 50,
    ParallelizationFactor: parallelizationFactor,
    BisectBatchOnFunctionError: true,
    MaximumRetryAttempts: 3,
    MaximumRecordAgeInSeconds: 7200,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    DestinationConfig: { OnFailure: { Destination: queueArn } },
  });
}

describe('PartitionedStream', () => {
  describe('stream', () => {
    test('is provisioned with the given shard count', () => {
      template.hasResourceProperties('AWS::Kinesis::Stream', {
        ShardCount: 2,
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
      });
    });

    test('is encrypted with the AWS-managed Kinesis key', () => {
      template.hasResourceProperties('AWS::Kinesis::Stream', {
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      });
      template.resourceCountIs('AWS::KMS::Key', 0);
    });

    test('keeps records for 24 hours', () => {
      template.hasResourceProperties('AWS::Kinesis::Stream', { RetentionPeriodHours: 24 });
    });

    test('is deleted with the stack, without a physical name', () => {
      template.hasResource('AWS::Kinesis::Stream', {
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: Match.objectLike({ Name: Match.absent() }),
      });
    });
  });

  describe('checkpoint table', () => {
    test('is keyed by consumer and (shard, partition key), billed on demand', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'consumer', KeyType: 'HASH' },
          { AttributeName: 'shardKey', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'consumer', AttributeType: 'S' },
          { AttributeName: 'shardKey', AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        TableName: Match.absent(),
      });
    });

    test('is deleted with the stack', () => {
      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    });
  });

  describe('failure queue', () => {
    test('is encrypted with SQS-managed keys and deleted with the stack', () => {
      template.hasResource('AWS::SQS::Queue', {
        Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
        DeletionPolicy: 'Delete',
      });
    });

    test('refuses requests without TLS', () => {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', tlsOnlyPolicy('sqs:*'));
    });
  });

  describe('polling consumer', () => {
    test('maps the stream itself to its function with every mapping setting', () => {
      expectMapping(reader.handler, streamRef, 3);
    });

    test('runs the stream handler with its consumer name and the checkpoint table', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            CONSUMER_NAME: 'reader',
            CHECKPOINT_TABLE_NAME: { Ref: stack.getLogicalId(clicks.checkpointTable.node.defaultChild as never) },
          }),
        },
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
      });
    });

    test('may read the stream, write the checkpoint table and send to the failure queue', () => {
      expectPolicyStatement(reader.handler, { Action: Match.arrayWith(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']), Resource: streamRef });
      expectPolicyStatement(reader.handler, { Action: 'dynamodb:UpdateItem', Resource: tableArn });
      expectPolicyStatement(reader.handler, { Action: Match.arrayWith(['sqs:SendMessage']), Resource: queueArn });
    });

    test('has no registered stream consumer', () => {
      expect(reader.streamConsumer).toBeUndefined();
      expect(reader.kind).toBe('polling');
    });
  });

  describe('enhanced fan-out consumer', () => {
    test('registers a consumer named after it on the stream', () => {
      template.resourceCountIs('AWS::Kinesis::StreamConsumer', 1);
      template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { ConsumerName: 'audit-log', StreamARN: streamRef });
    });

    test('maps the registered consumer, not the stream, to its function with every mapping setting', () => {
      expectMapping(audit.handler, auditConsumerArn, 1);
    });

    test('may subscribe to the shards through its consumer and write the checkpoint table', () => {
      expectPolicyStatement(audit.handler, { Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'], Resource: auditConsumerArn });
      expectPolicyStatement(audit.handler, { Action: Match.arrayWith(['kinesis:DescribeStreamSummary', 'kinesis:ListShards']), Resource: streamRef });
      expectPolicyStatement(audit.handler, { Action: 'dynamodb:UpdateItem', Resource: tableArn });
      expectPolicyStatement(audit.handler, { Action: Match.arrayWith(['sqs:SendMessage']), Resource: queueArn });
    });

    test('runs the same handler under its own consumer name', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ CONSUMER_NAME: 'audit-log' }) },
      });
    });
  });

  test('exposes its consumers by name, in the order they were added', () => {
    expect([...clicks.consumers.keys()]).toEqual(['reader', 'audit-log']);
    expect(clicks.consumers.get('audit-log')).toMatchObject({ kind: 'enhancedFanOut', handler: audit.handler, streamConsumer: audit.streamConsumer });
  });

  test('gives every consumer function a log group the stack owns', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
  });

  describe('validation', () => {
    test.each([0, 21, 2.5])('fails if shardCount is %p', (shardCount) => {
      expect(() => newStream({ shardCount })).toThrow(new RegExp(`^shardCount must be an integer between 1 and 20, but ${shardCount} was provided$`));
    });

    test.each([0, 10_001])('fails if batchSize is %p', (batchSize) => {
      expect(() => newStream({ batchSize })).toThrow(new RegExp(`^batchSize must be an integer between 1 and 10000, but ${batchSize} was provided$`));
    });

    test.each([-1, 10_001])('fails if retryAttempts is %p', (retryAttempts) => {
      expect(() => newStream({ retryAttempts })).toThrow(new RegExp(`^retryAttempts must be an integer between 0 and 10000, but ${retryAttempts} was provided$`));
    });

    test.each([Duration.seconds(59), Duration.days(8)])('fails if maxRecordAge is %s', (maxRecordAge) => {
      expect(() => newStream({ maxRecordAge })).toThrow(/^maxRecordAge \(seconds\) must be an integer between 60 and 604800, but \d+ was provided$/);
    });

    test.each([0, 11])('fails if parallelizationFactor is %p', (parallelizationFactor) => {
      const stream = newStream();
      expect(() => stream.addPollingConsumer('reader', { parallelizationFactor })).toThrow(
        new RegExp(`^parallelizationFactor must be an integer between 1 and 10, but ${parallelizationFactor} was provided$`),
      );
      expect(() => stream.addEnhancedFanOutConsumer('audit', { parallelizationFactor })).toThrow(/^parallelizationFactor must be an integer between 1 and 10/);
    });

    test.each(['Reader', '1reader', 'reader_1', '', 'a'.repeat(33)])('fails if a consumer name is %p', (name) => {
      expect(() => newStream().addPollingConsumer(name)).toThrow(/^consumer name must be 1 to 32 lowercase letters, digits or hyphens starting with a letter, but '.*' was provided$/);
    });

    test('fails if a consumer name is used twice', () => {
      const stream = newStream();
      stream.addPollingConsumer('reader');
      expect(() => stream.addEnhancedFanOutConsumer('reader')).toThrow(/^consumer name must be unique in the stream, but 'reader' was provided twice$/);
    });

    test('fails if more than 20 enhanced fan-out consumers are added', () => {
      const stream = newStream();
      for (let i = 1; i <= 20; i++) stream.addEnhancedFanOutConsumer(`consumer-${i}`);
      expect(() => stream.addEnhancedFanOutConsumer('consumer-21')).toThrow(/^a stream has at most 20 enhanced fan-out consumers, but 'consumer-21' would be number 21$/);
    });

    test('skips the range check of a shard count only known at deploy time', () => {
      const tokenStack = newStack();
      const shardCount = Token.asNumber(new CfnParameter(tokenStack, 'Shards', { type: 'Number' }).value);
      expect(() => new PartitionedStream(tokenStack, 'Clicks', { shardCount })).not.toThrow();
    });
  });
});
