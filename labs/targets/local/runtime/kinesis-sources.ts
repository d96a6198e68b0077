import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  SubscribeToShardCommand,
  type Shard,
  type ShardIteratorType,
  type StartingPosition,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import type { KinesisEventSourceSpec } from '../model';
import { sleep, type RuntimeContext } from './context';
import { ShardProcessor } from './shard-processor';
import { StreamBatchEngine } from './stream-batch-engine';

/** Pause between GetRecords calls on a shard that is caught up (Lambda polls about once a second). */
const IDLE_POLL_MS = 250;
const ERROR_BACKOFF_MS = 1_000;
/** Records a shard reader may have buffered ahead of the function before it stops reading. */
const MAX_BACKLOG_BATCHES = 4;

/** Reads one shard into its processor until the shard ends (resolves) or the runtime stops. */
type ShardReader = () => Promise<void>;

/**
 * What both Kinesis mappings share: one reader per shard, children started once every parent they
 * have was read to its end (from TRIM_HORIZON, so nothing between parent and child is lost), each
 * shard's records handed to a ShardProcessor (lanes, batching window) and the StreamBatchEngine
 * (retries, bisect, destination). Subclasses only say how a shard is read.
 */
abstract class KinesisSource {
  protected readonly engine: StreamBatchEngine;
  private readonly known = new Map<string, Shard>();
  private readonly started = new Set<string>();
  private readonly finished = new Set<string>();
  private readonly polled = new Set<string>();
  private readonly runs: Promise<void>[] = [];

  constructor(
    protected readonly context: RuntimeContext,
    protected readonly spec: KinesisEventSourceSpec,
  ) {
    this.engine = new StreamBatchEngine(context, spec);
  }

  /** Resolves once every first shard reader is positioned, so records put afterwards are seen. */
  async start(): Promise<void> {
    await this.refreshShards(true);
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.runs);
  }

  protected abstract openShard(shardId: string, position: StartingPosition, processor: ShardProcessor): Promise<ShardReader>;

  protected get backlogLimit(): number {
    return this.spec.batchSize * Math.max(1, this.spec.parallelizationFactor) * MAX_BACKLOG_BATCHES;
  }

  private async refreshShards(initial: boolean): Promise<void> {
    let nextToken: string | undefined;
    do {
      const response = await this.context.kinesis().send(
        new ListShardsCommand(nextToken === undefined ? { StreamARN: this.spec.streamArn } : { NextToken: nextToken }),
        { abortSignal: this.context.signal },
      );
      for (const shard of response.Shards ?? []) {
        if (shard.ShardId !== undefined && !this.known.has(shard.ShardId)) {
          this.known.set(shard.ShardId, shard);
          // From LATEST a shard closed before the mapping started has nothing left to deliver.
          const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
          if (initial && closed && this.spec.startingPosition === 'LATEST') {
            this.started.add(shard.ShardId);
            this.finished.add(shard.ShardId);
          }
        }
      }
      nextToken = response.NextToken;
    } while (nextToken !== undefined);
    await this.startReadyShards();
  }

  private async startReadyShards(): Promise<void> {
    const ready = [...this.known.values()].filter((shard) => {
      const id = shard.ShardId as string;
      if (this.started.has(id)) return false;
      return parentsOf(shard).filter((parent) => this.known.has(parent)).every((parent) => this.finished.has(parent));
    });
    await Promise.all(
      ready.map(async (shard) => {
        const shardId = shard.ShardId as string;
        this.started.add(shardId);
        const afterReadParent = parentsOf(shard).some((parent) => this.polled.has(parent));
        const position = afterReadParent ? { Type: 'TRIM_HORIZON' as const } : this.initialPosition();
        const processor = new ShardProcessor(this.context, this.engine, shardId, this.spec);
        const read = await this.openShard(shardId, position, processor);
        this.polled.add(shardId);
        this.runs.push(this.runShard(shardId, read, processor));
      }),
    );
  }

  private async runShard(shardId: string, read: ShardReader, processor: ShardProcessor): Promise<void> {
    try {
      await read();
      await processor.drain();
      if (this.context.signal.aborted) return;
      this.finished.add(shardId);
      await this.refreshShards(false);
    } catch (error) {
      if (!this.context.signal.aborted) this.context.report(this.spec.logicalId, error);
    }
  }

  private initialPosition(): StartingPosition {
    if (this.spec.startingPosition === 'AT_TIMESTAMP') {
      return { Type: 'AT_TIMESTAMP', Timestamp: new Date((this.spec.startingPositionTimestamp ?? 0) * 1000) };
    }
    return { Type: this.spec.startingPosition };
  }
}

function parentsOf(shard: Shard): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => id !== undefined);
}

/** A standard (polling) mapping: GetRecords on each shard, at most `batchSize` records per call. */
export class KinesisPollingSource extends KinesisSource {
  protected override async openShard(shardId: string, position: StartingPosition, processor: ShardProcessor): Promise<ShardReader> {
    let iterator = await this.iterator(shardId, position);
    return async () => {
      const { signal } = this.context;
      let lastSequenceNumber: string | undefined;
      while (!signal.aborted && iterator !== undefined) {
        await processor.waitForRoom(this.backlogLimit);
        try {
          const response = await this.context.kinesis().send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, this.spec.batchSize), StreamARN: this.spec.streamArn }),
            { abortSignal: signal },
          );
          const records = response.Records ?? [];
          if (records.length > 0) {
            processor.push(records);
            lastSequenceNumber = records[records.length - 1]?.SequenceNumber;
          }
          iterator = response.NextShardIterator;
          if (records.length === 0 && iterator !== undefined) await sleep(IDLE_POLL_MS, signal);
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof ExpiredIteratorException) {
            iterator = await this.iterator(
              shardId,
              lastSequenceNumber === undefined ? position : { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: lastSequenceNumber },
            );
            continue;
          }
          this.context.report(this.spec.logicalId, error);
          await sleep(ERROR_BACKOFF_MS, signal);
        }
      }
    };
  }

  private async iterator(shardId: string, position: StartingPosition): Promise<string | undefined> {
    const response = await this.context.kinesis().send(
      new GetShardIteratorCommand({
        StreamARN: this.spec.streamArn,
        ShardId: shardId,
        ShardIteratorType: position.Type as ShardIteratorType,
        StartingSequenceNumber: position.SequenceNumber,
        Timestamp: position.Timestamp,
      }),
      { abortSignal: this.context.signal },
    );
    return response.ShardIterator;
  }
}

/**
 * An enhanced fan-out mapping: SubscribeToShard for this consumer on each shard (records pushed over
 * an event stream), renewed from the last sequence number when a subscription ends (after 5 minutes
 * on AWS). Each consumer reads independently of every other consumer and of polling mappings.
 */
export class KinesisFanOutSource extends KinesisSource {
  protected override async openShard(shardId: string, position: StartingPosition, processor: ShardProcessor): Promise<ShardReader> {
    let events = await this.subscribe(shardId, position);
    return async () => {
      const { signal } = this.context;
      let next: StartingPosition = position;
      while (!signal.aborted) {
        try {
          events ??= await this.subscribe(shardId, next);
          if (events === undefined) throw new Error(`SubscribeToShard on ${shardId} returned no event stream`);
          for await (const event of events) {
            if (signal.aborted) return;
            const payload = event.SubscribeToShardEvent;
            if (payload === undefined) throw streamFailure(event);
            const records = payload.Records ?? [];
            if (records.length > 0) processor.push(records);
            // The continuation is the last sequence number delivered (or the shard's position before any),
            // so a renewed subscription resumes right after it, whatever the first position was.
            const resumeAfter = payload.ContinuationSequenceNumber ?? records[records.length - 1]?.SequenceNumber;
            if (resumeAfter !== undefined) next = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: resumeAfter };
            // The shard ended: no continuation, children named.
            if (payload.ContinuationSequenceNumber === undefined || payload.ContinuationSequenceNumber === null) return;
            await processor.waitForRoom(this.backlogLimit);
          }
          events = undefined;
        } catch (error) {
          events = undefined;
          if (signal.aborted) return;
          this.context.report(this.spec.logicalId, error);
          await sleep(ERROR_BACKOFF_MS, signal);
        }
      }
    };
  }

  private async subscribe(shardId: string, position: StartingPosition): Promise<AsyncIterable<SubscribeToShardEventStream> | undefined> {
    const response = await this.context.kinesis().send(
      new SubscribeToShardCommand({ ConsumerARN: this.spec.consumerArn, ShardId: shardId, StartingPosition: position }),
      { abortSignal: this.context.signal },
    );
    return response.EventStream;
  }
}

function streamFailure(event: SubscribeToShardEventStream): Error {
  const [name, detail] = Object.entries(event).find(([, value]) => value !== undefined) ?? ['unknown event', undefined];
  const message = (detail as { message?: string } | undefined)?.message ?? '';
  return new Error(`SubscribeToShard stream reported ${name}${message ? `: ${message}` : ''}`);
}
