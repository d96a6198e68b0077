import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PartitionedStream } from '../constructs/partitioned-stream';
import { LabStack, type LabStackProps } from './lab-stack';

export interface StreamStackProps extends LabStackProps {
  /**
   * Provisioned shards (1 to 20).
   * @default 4
   */
  readonly shardCount?: number;
  /**
   * Concurrent batches per shard of the polling consumer (1 to 10).
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * Whether the three consumers' event-source mappings run (`-c consumerMappings=disabled` turns them
   * off): `labs stream scale` runs a consumer group of its own and needs no function to read the stream.
   * @default true
   */
  readonly consumerMappingsEnabled?: boolean;
}

/** The CfnOutput keys of LabStream, read by the lab. */
export const STREAM_OUTPUTS = [
  'StreamName',
  'StreamArn',
  'ShardCount',
  'ParallelizationFactor',
  'CheckpointTableName',
  'FailureQueueUrl',
  'PollingConsumerName',
  'EnhancedConsumerNames',
  'ConsumerNames',
  'ComparisonQueueUrl',
] as const;

export type StreamOutput = (typeof STREAM_OUTPUTS)[number];

/** The polling consumer: one application whose invocations share the shards (load balancing). */
export const POLLING_CONSUMER = 'processor';
/** Enhanced fan-out consumers: independent applications, each reading every shard (fan-out). */
export const ENHANCED_CONSUMERS = ['analytics', 'search'] as const;

/**
 * Modules 6 and 8, partitioned log and hybrid: a multi-shard Kinesis stream read by a polling consumer
 * (load balancing across shards) and by two enhanced fan-out consumers (each an independent application).
 *
 * Idle cost with the defaults: 4 shards x $0.015/shard-hour + 2 enhanced fan-out consumers x 4 shards x
 * $0.015/consumer-shard-hour = $0.06 + $0.12 = $0.18 per hour while deployed (target: at most $0.25).
 */
export class StreamStack extends LabStack<StreamOutput> {
  public readonly partitionedStream: PartitionedStream;
  /**
   * A queue beside the log (Module 6, step 5: "compare with SQS"): the lab puts the same messages in
   * both and reads each twice and with a second reader. Billed per request only: $0 while idle.
   */
  public readonly comparisonQueue: Queue;

  constructor(scope: Construct, id: string, props: StreamStackProps) {
    super(scope, id, props);
    this.partitionedStream = new PartitionedStream(this, 'PartitionedStream', {
      shardCount: props.shardCount,
      mappingsEnabled: props.consumerMappingsEnabled,
    });
    const parallelizationFactor = props.parallelizationFactor ?? 1;
    this.partitionedStream.addPollingConsumer(POLLING_CONSUMER, { parallelizationFactor });
    for (const name of ENHANCED_CONSUMERS) {
      this.partitionedStream.addEnhancedFanOutConsumer(name);
    }

    this.comparisonQueue = new Queue(this, 'ComparisonQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // As long as the stream keeps its records (24 h): the queue loses a message to its acknowledgement, not to its age.
      retentionPeriod: Duration.days(1),
      // Labs are disposable: whatever the comparison left goes with the stack on `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.comparisonQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'The comparison queue is read by the lab alone, which acknowledges what it reads; no function consumes it that could fail, so no message needs a dead-letter queue.',
    });

    const { stream, checkpointTable, failureQueue } = this.partitionedStream;
    this.output('StreamName', stream.streamName, 'Kinesis stream the lab puts records to');
    this.output('StreamArn', stream.streamArn, 'ARN of the stream');
    this.output('ShardCount', String(this.partitionedStream.shardCount), 'Provisioned shards of the stream');
    this.output('ParallelizationFactor', String(parallelizationFactor), 'Concurrent batches per shard of the polling consumer');
    this.output('CheckpointTableName', checkpointTable.tableName, 'Per (consumer, shardId#partitionKey): records, lastSequenceNumber, orderViolations, processing times');
    this.output('FailureQueueUrl', failureQueue.queueUrl, 'On-failure destination of every consumer');
    this.output('PollingConsumerName', POLLING_CONSUMER, 'Consumer that shares the shards among its invocations');
    this.output('EnhancedConsumerNames', ENHANCED_CONSUMERS.join(','), 'Enhanced fan-out consumers, each reading every shard');
    this.output('ConsumerNames', [...this.partitionedStream.consumers.keys()].join(','), 'Every consumer, polling first');
    this.output('ComparisonQueueUrl', this.comparisonQueue.queueUrl, 'Queue the lab compares the log with: each message handed out once');
  }
}
