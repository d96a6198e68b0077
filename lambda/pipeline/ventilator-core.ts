import type { JobSpec, JobStarted, SubtaskMessage } from './messages';

/** SNS PublishBatch accepts at most 10 entries per call. */
export const PUBLISH_BATCH_SIZE = 10;

/** Calls per batch (the first one included) before failed entries make the job start fail. */
export const DEFAULT_PUBLISH_ATTEMPTS = 3;

export interface SubRange {
  /** Inclusive. */
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}

/**
 * Splits [0, rangeEnd) into `subtasks` contiguous sub-ranges that cover it exactly once; sizes differ
 * by at most one (the first `rangeEnd % subtasks` ranges take one extra number).
 */
export function splitRange(rangeEnd: number, subtasks: number): SubRange[] {
  if (!Number.isSafeInteger(rangeEnd) || rangeEnd < 0) {
    throw new Error(`rangeEnd must be a non-negative integer, but ${rangeEnd} was provided`);
  }
  if (!Number.isSafeInteger(subtasks) || subtasks < 1) {
    throw new Error(`subtasks must be a positive integer, but ${subtasks} was provided`);
  }
  const size = Math.floor(rangeEnd / subtasks);
  const remainder = rangeEnd % subtasks;
  return Array.from({ length: subtasks }, (_, i) => {
    const from = i * size + Math.min(i, remainder);
    return { from, to: from + size + (i < remainder ? 1 : 0) };
  });
}

/** One message per subtask, in subtask order. */
export function planSubtasks(jobId: string, request: JobSpec): SubtaskMessage[] {
  const failing = new Set(request.failSubtasks ?? []);
  return splitRange(request.rangeEnd, request.subtasks).map((range, subtaskId) => ({
    jobId,
    subtaskId,
    subtasks: request.subtasks,
    from: range.from,
    to: range.to,
    ...(failing.has(subtaskId) ? { fail: true } : {}),
  }));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`chunk size must be a positive integer, but ${size} was provided`);
  }
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    chunks.push(items.slice(i, i + size));
  }
  return chunks;
}

export interface PublishEntry {
  /** Unique within one call (SNS batch entry id). */
  readonly id: string;
  readonly message: SubtaskMessage;
}

export interface PublishFailure {
  readonly id: string;
  readonly code: string;
  readonly message?: string;
}

export interface PublishBatchPort {
  /** One SNS PublishBatch call (at most PUBLISH_BATCH_SIZE entries); resolves with the entries SNS refused. */
  publishBatch(entries: readonly PublishEntry[]): Promise<readonly PublishFailure[]>;
}

export interface JobItem {
  readonly jobId: string;
  readonly status: 'RUNNING';
  readonly subtasks: number;
  readonly completed: 0;
  readonly primes: 0;
  readonly rangeEnd: number;
  readonly createdAt: string;
  /** TTL attribute, epoch seconds. */
  readonly expiresAt: number;
}

export interface VentilatorPorts extends PublishBatchPort {
  newJobId(): string;
  now(): Date;
  putJob(job: JobItem): Promise<void>;
}

export interface VentilatorOptions {
  /** How long job and result items live before DynamoDB's TTL removes them. */
  readonly ttlSeconds: number;
  /** @default DEFAULT_PUBLISH_ATTEMPTS */
  readonly maxPublishAttempts?: number;
}

/** Thrown when SNS keeps refusing entries of a batch: the job cannot complete, so its start fails. */
export class PublishError extends Error {
  constructor(
    readonly jobId: string,
    readonly failures: readonly PublishFailure[],
  ) {
    const first = failures[0];
    super(
      `job ${jobId}: SNS refused ${failures.length} subtask message(s) after every attempt` +
        (first ? ` (first: entry ${first.id}, ${first.code}${first.message ? `: ${first.message}` : ''})` : ''),
    );
    this.name = 'PublishError';
  }
}

/**
 * Publishes the messages 10 per PublishBatch call, batch after batch. Entries SNS refuses are sent
 * again (alone, not their whole batch) up to `maxAttempts` calls per batch; then PublishError.
 * Resolves with the number of calls made.
 */
export async function publishSubtasks(
  jobId: string,
  messages: readonly SubtaskMessage[],
  port: PublishBatchPort,
  maxAttempts = DEFAULT_PUBLISH_ATTEMPTS,
): Promise<number> {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new Error(`maxAttempts must be a positive integer, but ${maxAttempts} was provided`);
  }
  let calls = 0;
  for (const batch of chunk(messages, PUBLISH_BATCH_SIZE)) {
    let pending: PublishEntry[] = batch.map((message) => ({ id: `subtask-${message.subtaskId}`, message }));
    let failures: readonly PublishFailure[] = [];
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      calls++;
      failures = await port.publishBatch(pending);
      const failed = new Set(failures.map((f) => f.id));
      pending = pending.filter((entry) => failed.has(entry.id));
    }
    if (pending.length > 0) {
      throw new PublishError(jobId, failures);
    }
  }
  return calls;
}

/**
 * Starts a job: a fresh GUID job id (random ids spread writes over DynamoDB partitions), the job
 * item written before any subtask can reach a worker, then one message per subtask.
 */
export async function startJob(request: JobSpec, ports: VentilatorPorts, options: VentilatorOptions): Promise<JobStarted> {
  const jobId = ports.newJobId();
  const now = ports.now();
  await ports.putJob({
    jobId,
    status: 'RUNNING',
    subtasks: request.subtasks,
    completed: 0,
    primes: 0,
    rangeEnd: request.rangeEnd,
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + options.ttlSeconds,
  });
  const publishCalls = await publishSubtasks(jobId, planSubtasks(jobId, request), ports, options.maxPublishAttempts);
  return { jobId, subtasks: request.subtasks, rangeEnd: request.rangeEnd, publishCalls };
}
