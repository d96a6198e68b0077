import type { StreamEventSourceSpec } from '../model';
import { sleep } from './abortable-sleep';
import type { RuntimeContext } from './runtime-context';
import { ShardProcessor, type ShardProgress } from './shard-processor';
import { StreamBatchEngine, type StreamRecordKind } from './stream-batch-engine';

/** Pause between GetRecords calls on a shard that is caught up (Lambda polls about once a second). */
const IDLE_POLL_MS = 250;
export const ERROR_BACKOFF_MS = 1_000;
/** Records a shard reader may have buffered ahead of the function before it stops reading. */
const MAX_BACKLOG_BATCHES = 4;

/** A shard as the stream lists it: its lineage, and whether it is closed (no more records will come). */
export interface StreamShard {
  readonly shardId: string;
  /** The shards it was split or merged from (Kinesis names up to two, DynamoDB Streams one). */
  readonly parentShardIds: readonly string[];
  readonly closed: boolean;
}

/** Where a shard reader starts, in the terms both stream APIs share. */
export type ShardPosition =
  | { readonly type: 'TRIM_HORIZON' | 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/** Reads one shard into its processor until the shard ends (resolves) or the runtime stops. */
export type ShardReader = () => Promise<void>;

/** One shard's GetRecords API, for `pollingReader`. */
export interface ShardPoller<R> {
  iterator(shardId: string, position: ShardPosition): Promise<string | undefined>;
  getRecords(iterator: string): Promise<{ readonly records: readonly R[]; readonly nextIterator: string | undefined }>;
  /** The iterator expired (after 5 minutes unused on Kinesis, 15 on DynamoDB Streams): take a new one. */
  isExpiredIterator(error: unknown): boolean;
}

/**
 * What every stream mapping shares, whatever the record kind: one reader per shard, children started
 * once every parent they have was read to its end (from TRIM_HORIZON, so nothing between parent and
 * child is lost), each shard's records handed to a ShardProcessor (lanes, batching window) and the
 * StreamBatchEngine (retries, bisect, destination). An adapter only says how shards are listed and
 * how one is read.
 */
export abstract class StreamSource<R, L> {
  protected readonly engine: StreamBatchEngine<R, L>;
  private readonly known = new Map<string, StreamShard>();
  private readonly started = new Set<string>();
  private readonly finished = new Set<string>();
  private readonly polled = new Set<string>();
  private readonly runs: Promise<void>[] = [];
  private readonly processors = new Map<string, ShardProcessor<R>>();

  constructor(
    protected readonly context: RuntimeContext,
    protected readonly spec: StreamEventSourceSpec,
    kind: StreamRecordKind<R, L>,
  ) {
    this.engine = new StreamBatchEngine(context, spec, kind);
  }

  /** Resolves once every first shard reader is positioned, so records put afterwards are seen. */
  async start(): Promise<void> {
    await this.refreshShards(true);
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.runs);
  }

  /** Every shard read so far, in the order its reader started. */
  positions(): ShardProgress[] {
    return [...this.processors.values()].map((processor) => processor.progress());
  }

  /** Every shard of the stream, open and closed. */
  protected abstract listShards(): Promise<readonly StreamShard[]>;

  /**
   * Positions a reader on the shard (resolving once it is), returning the reading loop. `signal` is the
   * shard's own, aborted with the runtime's.
   */
  protected abstract openShard(shardId: string, position: ShardPosition, processor: ShardProcessor<R>, signal: AbortSignal): Promise<ShardReader>;

  protected get backlogLimit(): number {
    return this.spec.batchSize * Math.max(1, this.spec.parallelizationFactor) * MAX_BACKLOG_BATCHES;
  }

  /** A reader that calls GetRecords until the shard ends, taking a new iterator when one expires. */
  protected async pollingReader(
    shardId: string,
    position: ShardPosition,
    processor: ShardProcessor<R>,
    poller: ShardPoller<R>,
    signal: AbortSignal,
  ): Promise<ShardReader> {
    let iterator = await poller.iterator(shardId, position);
    return async () => {
      let lastSequenceNumber: string | undefined;
      while (!signal.aborted && iterator !== undefined) {
        await processor.waitForRoom(this.backlogLimit);
        try {
          const { records, nextIterator } = await poller.getRecords(iterator);
          if (records.length > 0) {
            processor.push(records);
            lastSequenceNumber = this.engine.kind.sequenceNumber(records[records.length - 1] as R);
          }
          iterator = nextIterator;
          if (records.length === 0 && iterator !== undefined) await sleep(IDLE_POLL_MS, signal);
        } catch (error) {
          if (signal.aborted) return;
          if (poller.isExpiredIterator(error)) {
            iterator = await poller.iterator(
              shardId,
              lastSequenceNumber === undefined ? position : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lastSequenceNumber },
            );
            continue;
          }
          this.context.report(this.spec.logicalId, error);
          await sleep(ERROR_BACKOFF_MS, signal);
        }
      }
    };
  }

  private async refreshShards(initial: boolean): Promise<void> {
    for (const shard of await this.listShards()) {
      if (this.known.has(shard.shardId)) continue;
      this.known.set(shard.shardId, shard);
      // From LATEST a shard closed before the mapping started has nothing left to deliver.
      if (initial && shard.closed && this.spec.startingPosition === 'LATEST') {
        this.started.add(shard.shardId);
        this.finished.add(shard.shardId);
      }
    }
    await this.startReadyShards();
  }

  private async startReadyShards(): Promise<void> {
    const ready = [...this.known.values()].filter(
      (shard) =>
        !this.started.has(shard.shardId) &&
        shard.parentShardIds.filter((parent) => this.known.has(parent)).every((parent) => this.finished.has(parent)),
    );
    await Promise.all(
      ready.map(async ({ shardId, parentShardIds }) => {
        this.started.add(shardId);
        const afterReadParent = parentShardIds.some((parent) => this.polled.has(parent));
        const position: ShardPosition = afterReadParent ? { type: 'TRIM_HORIZON' } : this.initialPosition();
        // Each shard's reader and lanes wait on a signal of their own (AbortSignal.any adds no listener to
        // the runtime's): on one shared signal, every shard of every mapping waiting at once is dozens of
        // abort listeners, which Node reports as a leak.
        const signal = AbortSignal.any([this.context.signal]);
        const processor = new ShardProcessor({ ...this.context, signal }, this.engine, shardId, this.spec);
        this.processors.set(shardId, processor);
        const read = await this.openShard(shardId, position, processor, signal);
        this.polled.add(shardId);
        this.runs.push(this.runShard(shardId, read, processor));
      }),
    );
  }

  private async runShard(shardId: string, read: ShardReader, processor: ShardProcessor<R>): Promise<void> {
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

  private initialPosition(): ShardPosition {
    if (this.spec.startingPosition === 'AT_TIMESTAMP') {
      return { type: 'AT_TIMESTAMP', timestamp: new Date((this.spec.startingPositionTimestamp ?? 0) * 1000) };
    }
    return { type: this.spec.startingPosition };
  }
}
