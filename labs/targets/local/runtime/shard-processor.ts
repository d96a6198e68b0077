import { createHash } from 'node:crypto';
import type { RuntimeContext } from './runtime-context';
import type { StreamBatchEngine } from './stream-batch-engine';

/**
 * Wakes waiters when something changed; a wait also ends on timeout or abort. The signal gets one
 * abort listener for all waiters, not one per wait: every lane of a shard waits at once.
 */
class Signal {
  private readonly waiters = new Set<() => void>();

  constructor(abort: AbortSignal) {
    abort.addEventListener('abort', () => this.notify(), { once: true });
  }

  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }

  wait(timeoutMs: number | undefined, abort: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (abort.aborted) return resolve();
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, Math.max(0, timeoutMs));
      this.waiters.add(done);
    });
  }
}

interface Lane<R> {
  readonly buffer: R[];
  /** When the oldest buffered record entered the lane (the batching window runs from there). */
  firstBufferedAt: number;
}

/** Where one shard's consumer is: what it read, what the function has processed, and how far behind. */
export interface ShardProgress {
  readonly shardId: string;
  /** The last record read from the shard. */
  readonly readSequenceNumber?: string;
  /** The last record of the last batch the function finished (its checkpoint). */
  readonly processedSequenceNumber?: string;
  /** Records read and not yet processed. */
  readonly backlog: number;
  /**
   * Lambda's IteratorAge: the age of the last record of the last batch when it was handed to the
   * function (0 before any batch).
   */
  readonly iteratorAgeMs: number;
}

/**
 * The records of one shard on their way to the function: `parallelizationFactor` lanes, a record's
 * lane chosen by a hash of its lane key (partition key, item key: so one key's records stay in order,
 * as on Lambda), each lane invoking one batch at a time through the shared batch engine.
 */
export class ShardProcessor<R> {
  private readonly lanes: Lane<R>[];
  private readonly changed: Signal;
  private readonly loops: Promise<void>[];
  private closing = false;
  private readSequenceNumber: string | undefined;
  private processedSequenceNumber: string | undefined;
  private iteratorAgeMs = 0;

  constructor(
    private readonly context: RuntimeContext,
    private readonly engine: StreamBatchEngine<R, unknown>,
    private readonly shardId: string,
    private readonly settings: { batchSize: number; maximumBatchingWindowSeconds: number; parallelizationFactor: number; logicalId: string },
  ) {
    this.changed = new Signal(context.signal);
    const laneCount = Math.max(1, settings.parallelizationFactor);
    this.lanes = Array.from({ length: laneCount }, () => ({ buffer: [], firstBufferedAt: 0 }));
    this.loops = this.lanes.map((lane) => this.run(lane));
  }

  /** Records waiting in the lanes; readers stop fetching while it is high. */
  get backlog(): number {
    return this.lanes.reduce((total, lane) => total + lane.buffer.length, 0);
  }

  progress(): ShardProgress {
    return {
      shardId: this.shardId,
      ...(this.readSequenceNumber === undefined ? {} : { readSequenceNumber: this.readSequenceNumber }),
      ...(this.processedSequenceNumber === undefined ? {} : { processedSequenceNumber: this.processedSequenceNumber }),
      backlog: this.backlog,
      iteratorAgeMs: this.iteratorAgeMs,
    };
  }

  push(records: readonly R[]): void {
    const now = Date.now();
    const last = records[records.length - 1];
    if (last !== undefined) this.readSequenceNumber = this.engine.kind.sequenceNumber(last);
    for (const record of records) {
      const lane = this.lanes[this.laneOf(this.engine.kind.laneKey(record))] as Lane<R>;
      if (lane.buffer.length === 0) lane.firstBufferedAt = now;
      lane.buffer.push(record);
    }
    this.changed.notify();
  }

  /** Resolves once the backlog is below `limit` (or the runtime stops). */
  async waitForRoom(limit: number): Promise<void> {
    while (this.backlog >= limit && !this.context.signal.aborted) await this.changed.wait(undefined, this.context.signal);
  }

  /** Processes what is buffered, then ends the lanes (the shard is closed and fully read). */
  async drain(): Promise<void> {
    this.closing = true;
    this.changed.notify();
    await Promise.all(this.loops);
  }

  /** A retry pause on the shard's one listener: woken by news, it waits again until its time is up. */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !this.context.signal.aborted) await this.changed.wait(until - Date.now(), this.context.signal);
  }

  private laneOf(laneKey: string): number {
    if (this.lanes.length === 1) return 0;
    return createHash('md5').update(laneKey).digest().readUInt32BE(0) % this.lanes.length;
  }

  private async run(lane: Lane<R>): Promise<void> {
    const { signal } = this.context;
    const windowMs = this.settings.maximumBatchingWindowSeconds * 1000;
    while (!signal.aborted) {
      if (lane.buffer.length === 0) {
        if (this.closing) return;
        await this.changed.wait(undefined, signal);
        continue;
      }
      const windowEndsAt = lane.firstBufferedAt + windowMs;
      if (lane.buffer.length < this.settings.batchSize && !this.closing && Date.now() < windowEndsAt) {
        await this.changed.wait(windowEndsAt - Date.now(), signal);
        continue;
      }
      const batch = lane.buffer.splice(0, this.settings.batchSize);
      lane.firstBufferedAt = Date.now();
      const last = batch[batch.length - 1] as R;
      this.iteratorAgeMs = Math.max(0, Date.now() - this.engine.kind.arrivalMillis(last));
      try {
        await this.engine.process(this.shardId, batch, (ms) => this.pause(ms));
        this.processedSequenceNumber = this.engine.kind.sequenceNumber(last);
      } catch (error) {
        this.context.report(this.settings.logicalId, error);
      } finally {
        this.changed.notify();
      }
    }
  }
}
