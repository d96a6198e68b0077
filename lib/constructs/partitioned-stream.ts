import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { AttributeType, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { Stream, StreamConsumer, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import {
  KinesisConsumerEventSource,
  KinesisEventSource,
  SqsDlq,
  type KinesisEventSourceProps,
} from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { LabFunction } from './lab-function';
import { DeadEndQueue } from './queue-with-dlq';
import { LabTable } from './lab-table';
import { validateRange } from '../validation';

export interface PartitionedStreamProps {
  /**
   * Provisioned shards (1 to 20). Each shard costs $0.015 per hour while deployed, and each enhanced
   * fan-out consumer another $0.015 per shard-hour.
   * @default 4
   */
  readonly shardCount?: number;
  /**
   * Records per invocation of every consumer (1 to 10,000).
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * Retries of a failed batch before it goes to the failure queue (0 to 10,000); bounded, so one poison
   * record blocks its shard for a few attempts, not for the whole retention period.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * Oldest record a consumer still processes (1 minute to 7 days); older ones go to the failure queue.
   * @default Duration.hours(1)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Whether the consumers' event-source mappings run. Disabled, the functions and the enhanced fan-out
   * registrations stay deployed, and no function reads the stream until the mappings are enabled again.
   * @default true
   */
  readonly mappingsEnabled?: boolean;
}

export interface StreamConsumerOptions {
  /**
   * Batches of one shard processed concurrently (1 to 10). Above 1, records of one partition key
   * still arrive in order, but a shard's keys are spread over several invocations.
   * @default 1
   */
  readonly parallelizationFactor?: number;
}

export type StreamConsumerKind = 'polling' | 'enhancedFanOut';

/** One application reading the stream: its handler, and for enhanced fan-out its registered consumer. */
export interface PartitionedStreamConsumer {
  readonly name: string;
  readonly kind: StreamConsumerKind;
  readonly handler: LabFunction;
  /** The registered enhanced fan-out consumer (dedicated 2 MB/s per shard), absent for polling. */
  readonly streamConsumer?: StreamConsumer;
}

/** Kinesis allows this many enhanced fan-out consumers per stream. */
const MAX_ENHANCED_CONSUMERS = 20;
const CONSUMER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const HANDLER_ENTRY = join(__dirname, '..', '..', 'lambda', 'stream', 'handler.ts');

/**
 * A partitioned log (Module 6) read in both ways of Module 8: a polling consumer whose invocations
 * share the shards (load balancing), and enhanced fan-out consumers that each read every shard
 * (independent applications). Every consumer runs the same handler, which records per shard and partition key what it
 * processed in the checkpoint table; a batch that keeps failing ends in the failure queue.
 */
export class PartitionedStream extends Construct {
  public readonly stream: Stream;
  public readonly shardCount: number;
  /** Per (consumer, shard and partition key): records processed, last sequence number, order violations. */
  public readonly checkpointTable: Table;
  /** On-failure destination of every consumer: metadata of the batches that exhausted their retries. */
  public readonly failureQueue: Queue;

  private readonly batchSize: number;
  private readonly retryAttempts: number;
  private readonly maxRecordAge: Duration;
  private readonly mappingsEnabled: boolean;
  private readonly consumersByName = new Map<string, PartitionedStreamConsumer>();

  constructor(scope: Construct, id: string, props: PartitionedStreamProps = {}) {
    super(scope, id);
    this.shardCount = props.shardCount ?? 4;
    this.batchSize = props.batchSize ?? 100;
    this.retryAttempts = props.retryAttempts ?? 2;
    this.maxRecordAge = props.maxRecordAge ?? Duration.hours(1);
    this.mappingsEnabled = props.mappingsEnabled ?? true;
    validateRange('shardCount', this.shardCount, 1, 20);
    validateRange('batchSize', this.batchSize, 1, 10_000);
    validateRange('retryAttempts', this.retryAttempts, 0, 10_000);
    if (!Token.isUnresolved(this.maxRecordAge.toSeconds())) {
      validateRange('maxRecordAge (seconds)', this.maxRecordAge.toSeconds(), 60, 604_800);
    }

    this.stream = new Stream(this, 'Stream', {
      streamMode: StreamMode.PROVISIONED,
      shardCount: this.shardCount,
      // The AWS-managed key: encrypted at rest with no customer key to pay for or to grant.
      encryption: StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      // Labs are disposable: the records go with the stack on `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Checkpoints are derived state: replaying the stream from TRIM_HORIZON rebuilds them.
    this.checkpointTable = new LabTable(this, 'CheckpointTable', {
      partitionKey: { name: 'consumer', type: AttributeType.STRING },
      sortKey: { name: 'shardKey', type: AttributeType.STRING },
    });

    this.failureQueue = new DeadEndQueue(this, 'FailureQueue', {
      deadEndOf: 'the on-failure destination of the stream consumers, read by the lab, not consumed by a function that could fail',
    });
  }

  /** Consumers added so far, by name, in the order they were added. */
  public get consumers(): ReadonlyMap<string, PartitionedStreamConsumer> {
    return this.consumersByName;
  }

  /**
   * Adds a consumer that polls every shard through one event-source mapping: Lambda runs one batch
   * per shard at a time (times the parallelization factor), so the shards are shared out among
   * invocations, as a consumer group shares partitions.
   */
  public addPollingConsumer(name: string, options: StreamConsumerOptions = {}): PartitionedStreamConsumer {
    const mapping = this.mappingProps(options);
    const handler = this.newConsumerHandler(name);
    handler.addEventSource(new KinesisEventSource(this.stream, mapping));
    return this.register({ name, kind: 'polling', handler });
  }

  /**
   * Adds an enhanced fan-out consumer: a consumer registered on the stream, with its own 2 MB/s per
   * shard pushed to its function. It reads every shard independently of the other consumers.
   */
  public addEnhancedFanOutConsumer(name: string, options: StreamConsumerOptions = {}): PartitionedStreamConsumer {
    const enhanced = [...this.consumersByName.values()].filter((c) => c.kind === 'enhancedFanOut').length;
    if (enhanced >= MAX_ENHANCED_CONSUMERS) {
      throw new Error(`a stream has at most ${MAX_ENHANCED_CONSUMERS} enhanced fan-out consumers, but '${name}' would be number ${enhanced + 1}`);
    }
    const mapping = this.mappingProps(options);
    const handler = this.newConsumerHandler(name);
    const streamConsumer = new StreamConsumer(this, `${pascalCase(name)}StreamConsumer`, {
      // A name within this stream, not a physical name of the account.
      streamConsumerName: name,
      stream: this.stream,
    });
    handler.addEventSource(new KinesisConsumerEventSource(streamConsumer, mapping));
    return this.register({ name, kind: 'enhancedFanOut', handler, streamConsumer });
  }

  private newConsumerHandler(name: string): LabFunction {
    if (!CONSUMER_NAME.test(name)) {
      throw new Error(`consumer name must be 1 to 32 lowercase letters, digits or hyphens starting with a letter, but '${name}' was provided`);
    }
    if (this.consumersByName.has(name)) {
      throw new Error(`consumer name must be unique in the stream, but '${name}' was provided twice`);
    }
    const handler = new LabFunction(this, `${pascalCase(name)}Handler`, {
      entry: HANDLER_ENTRY,
      serviceName: `stream-${name}`,
      environment: {
        CONSUMER_NAME: name,
        CHECKPOINT_TABLE_NAME: this.checkpointTable.tableName,
      },
    });
    // Every checkpoint write is an UpdateItem (lambda/stream/checkpoint-store.ts); nothing is put, deleted or read.
    this.checkpointTable.grant(handler, 'dynamodb:UpdateItem');
    return handler;
  }

  private mappingProps(options: StreamConsumerOptions): KinesisEventSourceProps {
    const parallelizationFactor = options.parallelizationFactor ?? 1;
    validateRange('parallelizationFactor', parallelizationFactor, 1, 10);
    return {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: this.batchSize,
      parallelizationFactor,
      bisectBatchOnError: true,
      retryAttempts: this.retryAttempts,
      maxRecordAge: this.maxRecordAge,
      onFailure: new SqsDlq(this.failureQueue),
      reportBatchItemFailures: true,
      // Left out when enabled (the default), so the template is the one of a stack without the setting.
      ...(this.mappingsEnabled ? {} : { enabled: false }),
    };
  }

  private register(consumer: PartitionedStreamConsumer): PartitionedStreamConsumer {
    this.consumersByName.set(consumer.name, consumer);
    return consumer;
  }
}

function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
