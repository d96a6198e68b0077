import { makeEvents, userNames } from '../../../../labs/scenarios/stream/events';

describe('events', () => {
  test('users cycle as in the seed, partition key = user, ids in put order', () => {
    const events = makeEvents('run1', { records: 7, users: 3 }, new Date('2026-01-01T00:00:00Z'));
    expect(events.map((e) => e.userId)).toEqual(['alice', 'bob', 'charlie', 'alice', 'bob', 'charlie', 'alice']);
    expect(events.map((e) => e.action).slice(0, 5)).toEqual(['login', 'view_page', 'click', 'logout', 'login']);
    expect(events.map((e) => e.eventId)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.runId === 'run1')).toBe(true);
  });

  test('more users than the seed names get numbered names, all distinct', () => {
    const names = userNames(12);
    expect(names.slice(9)).toEqual(['judy', 'user10', 'user11']);
    expect(new Set(names).size).toBe(12);
  });
});
