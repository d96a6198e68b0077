import type { StreamOutput } from '../../../lib/stacks/stream-stack';
import type { StreamEvent } from '../../../lambda/stream/messages';
import type { TargetSession } from '../../targets/target';
import type { Ui } from '../../report/ui';
import { newRunId } from '../polling';
import { verdictOf, type Verdict } from '../scenario';
import { makeEvents, userNames, type StreamOptions } from './events';
import { acknowledge, logAndQueue, putInBoth, readRunFromStream, receiveRunFromQueue } from './log-and-queue';
import { listShardRanges } from './shard-reader';

// labs stream recompute: replay the log with the fixed code (Module 6, question 2)

/**
 * The dashboard's metric: page views per user. The known bug: version 1 also counted `click` events as
 * page views (a click happens on a page that was already viewed), so every user who clicked shows too
 * many views. Version 2 counts `view_page` only.
 */
export type CounterVersion = 'buggy' | 'fixed';

export const COUNTED_ACTIONS: Readonly<Record<CounterVersion, readonly string[]>> = {
  buggy: ['view_page', 'click'],
  fixed: ['view_page'],
};

/** Page views per user as a version of the consumer counts them; every user in `users` appears, 0 or more. */
export function pageViewsPerUser(events: readonly StreamEvent[], version: CounterVersion, users: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(users.map((u) => [u, 0]));
  for (const event of events) {
    if (COUNTED_ACTIONS[version].includes(event.action)) counts[event.userId] = (counts[event.userId] ?? 0) + 1;
  }
  return counts;
}

/**
 * How far before this run the replay starts (AT_TIMESTAMP): a margin for the clock of this machine
 * against the stream's; records of other runs it reads are not counted.
 */
export const REPLAY_MARGIN_MS = 5 * 60_000;

export interface UserRecount {
  readonly userId: string;
  /** What the buggy consumer showed, from the stream. */
  readonly wrong: number;
  /** What the fixed consumer computed replaying the stream. */
  readonly right: number;
  /** What the fixed consumer computed from the queue: nothing was left to read. */
  readonly fromQueue: number;
}

export interface RecomputeObservations {
  readonly runId: string;
  readonly streamName: string;
  readonly records: number;
  readonly replayFrom: string;
  /** Records the buggy consumer read from the stream, and messages it consumed (and acknowledged) from the queue. */
  readonly buggyStreamRecords: number;
  readonly buggyQueueMessages: number;
  /** Records the replay read again, and messages the fixed consumer found in the queue. */
  readonly replayedRecords: number;
  readonly queueMessagesLeft: number;
  readonly users: readonly UserRecount[];
  /** The counts each version gives for the events this run put, computed from them without reading anything. */
  readonly expectedWrong: Readonly<Record<string, number>>;
  readonly expectedRight: Readonly<Record<string, number>>;
  /** What the buggy consumer showed from the queue (the same wrong numbers). */
  readonly wrongFromQueue: Readonly<Record<string, number>>;
}

export function recomputeVerdict(o: Omit<RecomputeObservations, 'runId' | 'streamName' | 'replayFrom'>): Verdict {
  const failures: string[] = [];
  if (o.buggyStreamRecords !== o.records) failures.push(`the buggy consumer read ${o.buggyStreamRecords} of ${o.records} records from the stream`);
  if (o.buggyQueueMessages !== o.records) failures.push(`the buggy consumer received ${o.buggyQueueMessages} of ${o.records} messages from the queue`);
  if (o.replayedRecords !== o.records) failures.push(`the replay read ${o.replayedRecords} of ${o.records} records: the log should still hold them all`);
  if (o.queueMessagesLeft !== 0) failures.push(`the queue still handed out ${o.queueMessagesLeft} acknowledged message(s): they should be gone`);
  for (const user of o.users) {
    if (user.wrong !== o.expectedWrong[user.userId]) failures.push(`${user.userId}: the buggy consumer showed ${user.wrong}, its code gives ${o.expectedWrong[user.userId]}`);
    if (o.wrongFromQueue[user.userId] !== o.expectedWrong[user.userId]) {
      failures.push(`${user.userId}: the buggy consumer of the queue showed ${o.wrongFromQueue[user.userId]}, its code gives ${o.expectedWrong[user.userId]}`);
    }
    if (user.right !== o.expectedRight[user.userId]) failures.push(`${user.userId}: the replay gave ${user.right} page views, the fixed code gives ${o.expectedRight[user.userId]}`);
  }
  if (failures.length === 0 && o.users.every((u) => u.wrong === u.right)) {
    failures.push('no user\'s count changed: these events do not show the bug (put more --records, some of them clicks)');
  }
  return verdictOf(failures);
}

export async function runRecompute(session: TargetSession<StreamOutput>, options: StreamOptions, ui: Ui): Promise<RecomputeObservations> {
  const where = logAndQueue(session);
  const ranges = await listShardRanges(session.clients.kinesis, where.streamName);
  const runId = newRunId();
  const replayFrom = new Date(Date.now() - REPLAY_MARGIN_MS);
  const users = userNames(options.users);
  const events = makeEvents(runId, options);
  ui.log(`yesterday: ${options.records} events put into ${where.streamName} and the comparison queue (run ${runId}); the dashboard's consumer v1 counts them`);
  const perShard = await putInBoth(session, where, events);

  // Yesterday, v1 consumed both: the stream by reading it, the queue by receiving and acknowledging.
  const buggyStream = await readRunFromStream(session, where.streamName, ranges, runId, perShard, { type: 'TRIM_HORIZON' });
  const buggyQueue = await receiveRunFromQueue(session, where.queueUrl, runId, options.records, 30);
  await acknowledge(session, where.queueUrl, buggyQueue);

  // Today, v2 is deployed: the stream is replayed from a point in time, the queue has nothing left to give.
  ui.log(`today: the bug is fixed; v2 replays the stream AT_TIMESTAMP ${replayFrom.toISOString()} and tries the queue again`);
  const replayed = await readRunFromStream(session, where.streamName, ranges, runId, perShard, { type: 'AT_TIMESTAMP', timestamp: replayFrom });
  const queueAgain = await receiveRunFromQueue(session, where.queueUrl, runId, options.records, 30);
  await acknowledge(session, where.queueUrl, queueAgain);

  const wrong = pageViewsPerUser(buggyStream, 'buggy', users);
  const right = pageViewsPerUser(replayed, 'fixed', users);
  const fromQueue = pageViewsPerUser(queueAgain.events, 'fixed', users);
  return {
    runId,
    streamName: where.streamName,
    records: events.length,
    replayFrom: replayFrom.toISOString(),
    buggyStreamRecords: buggyStream.length,
    buggyQueueMessages: buggyQueue.events.length,
    replayedRecords: replayed.length,
    queueMessagesLeft: queueAgain.events.length,
    users: users.map((userId) => ({ userId, wrong: wrong[userId] ?? 0, right: right[userId] ?? 0, fromQueue: fromQueue[userId] ?? 0 })),
    expectedWrong: pageViewsPerUser(events, 'buggy', users),
    expectedRight: pageViewsPerUser(events, 'fixed', users),
    wrongFromQueue: pageViewsPerUser(buggyQueue.events, 'buggy', users),
  };
}
