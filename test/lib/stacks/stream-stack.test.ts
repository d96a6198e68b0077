import { CfnStream } from 'aws-cdk-lib/aws-kinesis';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Match } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../../lib/app';
import { findModule } from '../../../lib/modules';
import { ENHANCED_CONSUMERS, POLLING_CONSUMER, STREAM_OUTPUTS, StreamStack } from '../../../lib/stacks/stream-stack';
import { expectModuleNagClean } from '../../helpers/nag';
import { synthModule } from '../../helpers/synth';
import { expectNothingRetained } from '../../helpers/teardown';
import { tlsOnlyPolicy } from '../../helpers/tls-only';

// GIVEN (for the whole file, synthesized once as `cdk synth` would, without bundling; the cost
// guard's clock is pinned so the snapshot does not change with the time of the run)
const { stack, template } = synthModule('stream', { costGuardNow: '2026-01-01T00:00:00Z' });
const { partitionedStream } = stack as StreamStack;

const logicalId = (construct: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(construct.node.defaultChild as never);
const streamArn = { 'Fn::GetAtt': [logicalId(partitionedStream.stream), 'Arn'] };
const queueArn = { 'Fn::GetAtt': [logicalId(partitionedStream.failureQueue), 'Arn'] };
const tableArn = { 'Fn::GetAtt': [logicalId(partitionedStream.checkpointTable), 'Arn'] };

function consumer(name: string) {
  const found = partitionedStream.consumers.get(name);
  if (!found) throw new Error(`no consumer ${name}`);
  return found;
}
const consumerArn = (name: string) => ({ 'Fn::GetAtt': [logicalId(consumer(name).streamConsumer as never), 'ConsumerARN'] });

/** Every mapping of the stack shares these settings (the defaults of PartitionedStream). */
const MAPPING_DEFAULTS = {
  StartingPosition: 'TRIM_HORIZON',
  BatchSize: 100,
  ParallelizationFactor: 1,
  BisectBatchOnFunctionError: true,
  MaximumRetryAttempts: 2,
  MaximumRecordAgeInSeconds: 3600,
  FunctionResponseTypes: ['ReportBatchItemFailures'],
  DestinationConfig: { OnFailure: { Destination: queueArn } },
};

function expectPolicyStatement(name: string, statement: Record<string, unknown>): void {
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: logicalId(consumer(name).handler.role as never) }],
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', ...statement })]) },
  });
}

describe('LabStream', () => {
  test('is registered as module stream with its outputs', () => {
    const module = findModule('stream');
    expect(module).toMatchObject({ stackId: 'LabStream', seed: 'Modules 6 and 8', outputs: STREAM_OUTPUTS });
    expect(stack.stackName).toBe('LabStream');
  });

  test('provisions a 4-shard stream, encrypted, keeping records 24 hours', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 4,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
  });

  test('idles at no more than $0.25 per hour: $0.015 per shard-hour and per enhanced consumer-shard-hour', () => {
    const [stream] = Object.values(template.findResources('AWS::Kinesis::Stream')) as Array<{ Properties: { ShardCount: number } }>;
    const shards = stream?.Properties.ShardCount ?? Number.NaN;
    const enhancedConsumers = Object.keys(template.findResources('AWS::Kinesis::StreamConsumer')).length;
    const dollarsPerHour = shards * 0.015 + enhancedConsumers * shards * 0.015;
    expect(dollarsPerHour).toBeCloseTo(0.18, 5);
    expect(dollarsPerHour).toBeLessThanOrEqual(0.25);
  });

  test('runs three consumers of one handler: processor polling, analytics and search by enhanced fan-out', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
    for (const name of ['processor', 'analytics', 'search']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ CONSUMER_NAME: name, CHECKPOINT_TABLE_NAME: { Ref: logicalId(partitionedStream.checkpointTable) } }),
        },
      });
    }
  });

  test('maps the stream to the polling consumer processor', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ...MAPPING_DEFAULTS,
      FunctionName: { Ref: logicalId(consumer('processor').handler) },
      EventSourceArn: streamArn,
    });
  });

  test.each(ENHANCED_CONSUMERS)('registers %s as an enhanced fan-out consumer mapped to its function', (name) => {
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { ConsumerName: name, StreamARN: streamArn });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ...MAPPING_DEFAULTS,
      FunctionName: { Ref: logicalId(consumer(name).handler) },
      EventSourceArn: consumerArn(name),
    });
  });

  test('lets every consumer read the stream and write the checkpoint table', () => {
    for (const name of ['processor', 'analytics', 'search']) {
      expectPolicyStatement(name, { Action: Match.arrayWith(['kinesis:GetRecords', 'kinesis:GetShardIterator']), Resource: streamArn });
      expectPolicyStatement(name, { Action: 'dynamodb:UpdateItem', Resource: tableArn });
      expectPolicyStatement(name, { Action: Match.arrayWith(['sqs:SendMessage']), Resource: queueArn });
    }
  });

  test.each(ENHANCED_CONSUMERS)('lets %s subscribe to the shards through its own consumer only', (name) => {
    expectPolicyStatement(name, { Action: Match.arrayWith(['kinesis:SubscribeToShard']), Resource: consumerArn(name) });
    const other = ENHANCED_CONSUMERS.find((n) => n !== name) as string;
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalId(consumer(name).handler.role as never) }] },
    });
    expect(Object.keys(policies)).toHaveLength(1);
    expect(JSON.stringify(policies)).not.toContain(logicalId(consumer(other).streamConsumer as never));
  });

  test('keeps checkpoints per consumer, shard and partition key in an on-demand table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'consumer', KeyType: 'HASH' },
        { AttributeName: 'shardKey', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  test('sends failed batches to an encrypted, TLS-only failure queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', { Queues: [{ Ref: logicalId(partitionedStream.failureQueue) }], ...tlsOnlyPolicy('sqs:*') });
  });

  test('adds a comparison queue beside the log: encrypted, TLS-only, kept as long as the stream keeps records', () => {
    // GIVEN
    const queue = (stack as StreamStack).comparisonQueue;
    // THEN
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 86_400 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', { Queues: [{ Ref: logicalId(queue) }], ...tlsOnlyPolicy('sqs:*') });
    expect(template.findResources('AWS::SQS::Queue')[logicalId(queue)]?.Properties?.RedrivePolicy).toBeUndefined();
  });

  test('names no resource physically', () => {
    for (const [type, property] of [
      ['AWS::Kinesis::Stream', 'Name'],
      ['AWS::DynamoDB::Table', 'TableName'],
      ['AWS::SQS::Queue', 'QueueName'],
      ['AWS::Lambda::Function', 'FunctionName'],
      ['AWS::IAM::Role', 'RoleName'],
      ['AWS::Logs::LogGroup', 'LogGroupName'],
    ] as const) {
      for (const resource of Object.values(template.findResources(type)) as Array<{ Properties?: Record<string, unknown> }>) {
        expect(resource.Properties?.[property]).toBeUndefined();
      }
    }
  });

  test('outputs exactly the keys the lab reads, and when its cost guard expires', () => {
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual([...STREAM_OUTPUTS, 'ExpiresAt'].sort());
  });

  test.each([
    ['StreamName', { Ref: logicalId(partitionedStream.stream) }],
    ['StreamArn', streamArn],
    ['ShardCount', '4'],
    ['CheckpointTableName', { Ref: logicalId(partitionedStream.checkpointTable) }],
    ['FailureQueueUrl', { Ref: logicalId(partitionedStream.failureQueue) }],
    ['PollingConsumerName', 'processor'],
    ['EnhancedConsumerNames', 'analytics,search'],
    ['ConsumerNames', 'processor,analytics,search'],
    ['ComparisonQueueUrl', { Ref: logicalId((stack as StreamStack).comparisonQueue) }],
  ])('outputs %s', (key, value) => {
    template.hasOutput(key, { Value: value });
  });

  test('leaves nothing behind on destroy', () => {
    expectNothingRetained(template);
  });

  test('has no unacknowledged AwsSolutions finding', () => {
    expectModuleNagClean('stream');
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  describe('context', () => {
    /** Builds (without synthesizing) the stack as `-c key=value` on the command line would. */
    function streamStackWith(context: Record<string, unknown>): StreamStack {
      const app = buildApp({ bundling: false, modules: [findModule('stream')], context });
      return app.node.findChild('LabStream') as StreamStack;
    }

    function mappingOf(built: StreamStack, name: string): CfnEventSourceMapping {
      const mapping = built.partitionedStream.consumers
        .get(name)
        ?.handler.node.findAll()
        .find((c): c is CfnEventSourceMapping => c instanceof CfnEventSourceMapping);
      if (!mapping) throw new Error(`no mapping for ${name}`);
      return mapping;
    }

    test('shardCount sets the shards of the stream', () => {
      const built = streamStackWith({ shardCount: '6' });
      expect((built.partitionedStream.stream.node.defaultChild as CfnStream).shardCount).toBe(6);
      expect(built.partitionedStream.shardCount).toBe(6);
    });

    test('parallelizationFactor sets the polling consumer only', () => {
      const built = streamStackWith({ parallelizationFactor: '4' });
      expect(mappingOf(built, POLLING_CONSUMER).parallelizationFactor).toBe(4);
      for (const name of ENHANCED_CONSUMERS) expect(mappingOf(built, name).parallelizationFactor).toBe(1);
    });

    test('consumerMappings=disabled turns off every consumer\'s mapping, and only that', () => {
      const built = streamStackWith({ consumerMappings: 'disabled' });
      for (const name of [POLLING_CONSUMER, ...ENHANCED_CONSUMERS]) expect(mappingOf(built, name).enabled).toBe(false);
      expect(built.partitionedStream.consumers.size).toBe(3);
    });

    test('consumerMappings=enabled is the default: the mappings leave Enabled out', () => {
      for (const built of [streamStackWith({ consumerMappings: 'enabled' }), streamStackWith({})]) {
        for (const name of [POLLING_CONSUMER, ...ENHANCED_CONSUMERS]) expect(mappingOf(built, name).enabled).toBeUndefined();
      }
    });

    test('fails if consumerMappings is neither enabled nor disabled', () => {
      expect(() => streamStackWith({ consumerMappings: 'off' })).toThrow(/^context value consumerMappings must be one of enabled, disabled, but 'off' was provided$/);
    });

    test('fails if shardCount is out of range', () => {
      expect(() => streamStackWith({ shardCount: '0' })).toThrow(/^shardCount must be an integer between 1 and 20, but 0 was provided$/);
    });

    test('fails if parallelizationFactor is out of range', () => {
      expect(() => streamStackWith({ parallelizationFactor: 11 })).toThrow(/^parallelizationFactor must be an integer between 1 and 10, but 11 was provided$/);
    });

    test('fails if shardCount is not a number', () => {
      expect(() => streamStackWith({ shardCount: 'four' })).toThrow(/^context value shardCount must be a number, but 'four' was provided$/);
    });
  });
});
