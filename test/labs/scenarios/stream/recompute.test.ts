import { renderRecompute } from '../../../../labs/report/stream-lessons';
import { PLAIN } from '../../../../labs/report/style';
import { makeEvents, userNames } from '../../../../labs/scenarios/stream/events';
import { pageViewsPerUser, recomputeVerdict, type RecomputeObservations } from '../../../../labs/scenarios/stream/recompute';

const USERS = userNames(5);
const EVENTS = makeEvents('run-1', { records: 30, users: 5 });
const WRONG = { alice: 3, bob: 4, charlie: 3, diana: 2, eve: 3 };
const RIGHT = { alice: 2, bob: 2, charlie: 1, diana: 1, eve: 2 };

describe('pageViewsPerUser', () => {
  test('v1 counts clicks as page views too (the bug), v2 page views only: the default 30 events of 5 users', () => {
    expect(pageViewsPerUser(EVENTS, 'buggy', USERS)).toEqual(WRONG);
    expect(pageViewsPerUser(EVENTS, 'fixed', USERS)).toEqual(RIGHT);
  });

  test('a user with no events counts 0, and nothing read counts 0 for everyone', () => {
    expect(pageViewsPerUser([], 'fixed', ['alice'])).toEqual({ alice: 0 });
  });
});

/** The run as it should go: v1 read everything from both, the replay everything again, the queue nothing. */
function observations(over: Partial<RecomputeObservations> = {}): RecomputeObservations {
  return {
    runId: 'run-1',
    streamName: 'S',
    records: 30,
    replayFrom: '2026-01-01T00:00:00.000Z',
    buggyStreamRecords: 30,
    buggyQueueMessages: 30,
    replayedRecords: 30,
    queueMessagesLeft: 0,
    users: USERS.map((userId) => ({ userId, wrong: WRONG[userId as keyof typeof WRONG], right: RIGHT[userId as keyof typeof RIGHT], fromQueue: 0 })),
    expectedWrong: WRONG,
    expectedRight: RIGHT,
    wrongFromQueue: WRONG,
    ...over,
  };
}

describe('recomputeVerdict', () => {
  test('holds when the replay gives the fixed numbers and the queue has nothing left', () => {
    expect(recomputeVerdict(observations())).toEqual({ ok: true, failures: [] });
  });

  test('fails if the queue still had the messages, or the replay missed records', () => {
    expect(recomputeVerdict(observations({ queueMessagesLeft: 30 })).failures).toEqual(['the queue still handed out 30 acknowledged message(s): they should be gone']);
    const short = observations({ replayedRecords: 29, users: observations().users.map((u) => (u.userId === 'bob' ? { ...u, right: 1 } : u)) });
    expect(recomputeVerdict(short).failures).toEqual([
      'the replay read 29 of 30 records: the log should still hold them all',
      'bob: the replay gave 1 page views, the fixed code gives 2',
    ]);
  });

  test('fails if no count changed: the events did not show the bug', () => {
    const same = { alice: 1 };
    const verdict = recomputeVerdict({ ...observations(), users: [{ userId: 'alice', wrong: 1, right: 1, fromQueue: 0 }], expectedWrong: same, expectedRight: same, wrongFromQueue: same });
    expect(verdict.failures).toEqual([expect.stringMatching(/^no user's count changed/)]);
  });
});

test('the report shows the wrong and the right numbers side by side', () => {
  const text = renderRecompute(observations(), PLAIN);
  expect(text).toMatch(/│ bob +│ 4 +│ 2 +│ 0 +│ ✓ │/);
  expect(text).toMatch(/v2 found 0: they were deleted/);
});
