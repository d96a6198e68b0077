import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import { newRunId } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { makeEvents, type StreamOptions } from './events';
import { acknowledge, logAndQueue, putInBoth, readRunFromStream, receiveRunFromQueue } from './log-and-queue';
import { listShardRanges } from './shard-reader';

// labs stream vs-queue: a log and a queue, each read twice and by a second reader (Module 6, step 5)

/**
 * How long a received message stays hidden (the visibility timeout each receive asks for): longer
 * than the reads that follow it within the lab (two empty long polls of 1 s each), so they see it hidden.
 */
export const HIDE_SECONDS = 10;

export type ReadStep = 'A reads' | 'A reads again' | 'B reads' | 'B reads once the hiding ends' | 'A reads after B acknowledged';

export const READ_STEPS: readonly ReadStep[] = ['A reads', 'A reads again', 'B reads', 'B reads once the hiding ends', 'A reads after B acknowledged'];

export interface StepCount {
  readonly step: ReadStep;
  /** This run's records the stream reader got (every shard from TRIM_HORIZON). */
  readonly stream: number;
  /** This run's messages the queue handed out. */
  readonly queue: number;
}

export interface VsQueueObservations {
  readonly runId: string;
  readonly streamName: string;
  readonly queueUrl: string;
  readonly messages: number;
  readonly hideSeconds: number;
  readonly steps: readonly StepCount[];
}

/** What each step gets of `n` messages: the stream everything every time; the queue each once until acknowledged. */
export function expectedCounts(n: number): Record<ReadStep, { stream: number; queue: number }> {
  return {
    'A reads': { stream: n, queue: n },
    'A reads again': { stream: n, queue: 0 },
    'B reads': { stream: n, queue: 0 },
    'B reads once the hiding ends': { stream: n, queue: n },
    'A reads after B acknowledged': { stream: n, queue: 0 },
  };
}

export function vsQueueVerdict(o: Pick<VsQueueObservations, 'messages' | 'steps'>): Verdict {
  const expected = expectedCounts(o.messages);
  const failures: string[] = [];
  for (const step of o.steps) {
    const want = expected[step.step];
    if (step.stream !== want.stream) failures.push(`${step.step}: the stream gave ${step.stream} of ${o.messages} records, expected ${want.stream} (a log gives every reader everything, every time)`);
    if (step.queue !== want.queue) {
      failures.push(
        `${step.step}: the queue handed out ${step.queue} messages, expected ${want.queue} (${want.queue === 0 ? 'a received message is hidden, an acknowledged one deleted' : 'a message not acknowledged comes back'})`,
      );
    }
  }
  return verdictOf(failures);
}

/** Sleeps until a second after messages received at `receivedAt` are visible again. */
async function waitForHidingToEnd(receivedAt: number): Promise<void> {
  const wait = receivedAt + (HIDE_SECONDS + 1) * 1000 - Date.now();
  if (wait > 0) await sleep(wait);
}

export async function runVsQueue(session: TargetSession<StreamOutput>, options: StreamOptions, ui: Ui): Promise<VsQueueObservations> {
  const where = logAndQueue(session);
  const ranges = await listShardRanges(session.clients.kinesis, where.streamName);
  const runId = newRunId();
  ui.log(`putting the same ${options.records} messages into ${where.streamName} and into the comparison queue (run ${runId})`);
  const perShard = await putInBoth(session, where, makeEvents(runId, options));

  // The stream: each step is a new reader (an iterator) at TRIM_HORIZON; nothing it does changes the log.
  const streamCounts: number[] = [];
  for (const step of READ_STEPS) {
    ui.log(`stream: ${step}`);
    streamCounts.push((await readRunFromStream(session, where.streamName, ranges, runId, perShard, { type: 'TRIM_HORIZON' })).length);
  }

  // The queue: the receives hide what they hand out; only the acknowledgement deletes.
  const n = options.records;
  const receive = (wanted: number) => receiveRunFromQueue(session, where.queueUrl, runId, wanted, HIDE_SECONDS);
  ui.log(`queue: A reads (each message received stays hidden for ${HIDE_SECONDS} s), reads again, then B reads`);
  const first = await receive(n);
  const again = await receive(n);
  const byB = await receive(n);
  ui.log('queue: nobody acknowledged, so the messages come back once their hiding ends; B reads then');
  await waitForHidingToEnd(first.lastReceivedAt);
  const back = await receive(n);
  await acknowledge(session, where.queueUrl, back);
  ui.log(`queue: B acknowledged ${back.messages.length} messages; A reads once their hiding would have ended, to tell deleted from hidden`);
  await waitForHidingToEnd(back.lastReceivedAt);
  const after = await receive(n);
  // A message that is still there (the lesson failed) would come back to the next run: delete it.
  await acknowledge(session, where.queueUrl, after);

  const queueCounts = [first, again, byB, back, after].map((r) => r.events.length);
  return {
    runId,
    streamName: where.streamName,
    queueUrl: where.queueUrl,
    messages: n,
    hideSeconds: HIDE_SECONDS,
    steps: READ_STEPS.map((step, i) => ({ step, stream: streamCounts[i] as number, queue: queueCounts[i] as number })),
  };
}
