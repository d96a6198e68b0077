import type { VsQueueObservations } from '../scenarios/stream/vs-queue';
import { expectedCounts } from '../scenarios/stream/vs-queue';
import { COUNTED_ACTIONS, type RecomputeObservations } from '../scenarios/stream/recompute';
import { mark } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

export function renderVsQueue(o: VsQueueObservations, colors: Colors): string {
  const expected = expectedCounts(o.messages);
  return [
    `The same ${o.messages} messages in the stream and in the comparison queue; A and B are two readers (a received queue message stays hidden ${o.hideSeconds} s):`,
    renderTable(
      ['step', 'stream (log)', 'queue', ''],
      o.steps.map((s) => [
        s.step,
        `${s.stream}/${o.messages}`,
        `${s.queue}/${o.messages}`,
        mark(colors, s.stream === expected[s.step].stream && s.queue === expected[s.step].queue),
      ]),
    ),
    'Notice: the log gives every reader everything, every time (each keeps its own offset); the queue hands a message to one receive,',
    'hides it from everyone else, gives it back only if nobody acknowledges it, and deletes it on acknowledgement: it cannot be read again.',
  ].join('\n');
}

export function renderRecompute(o: RecomputeObservations, colors: Colors): string {
  return [
    `Page views per user of ${o.records} events. v1 counted ${COUNTED_ACTIONS.buggy.join(' and ')} (the bug); v2 counts ${COUNTED_ACTIONS.fixed.join(' and ')} only.`,
    renderTable(
      ['user', 'v1 (wrong), yesterday', 'v2 replaying the stream', 'v2 on the queue', ''],
      o.users.map((u) => [u.userId, u.wrong, u.right, u.fromQueue, mark(colors, u.right === o.expectedRight[u.userId])]),
    ),
    `stream: v1 read ${o.buggyStreamRecords} records; v2 replayed ${o.replayedRecords} from AT_TIMESTAMP ${o.replayFrom}: the log still held them.`,
    `queue: v1 received and acknowledged ${o.buggyQueueMessages} messages; v2 found ${o.queueMessagesLeft}: they were deleted, the wrong numbers stay wrong.`,
    'Notice: with a log, fixing the code fixes the numbers too: reset the offset and process again.',
  ].join('\n');
}
