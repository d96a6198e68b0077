import { replayVerdict } from '../../../../labs/scenarios/stream/replay';

describe('replayVerdict', () => {
  const r = (sequenceNumber: string, eventId: number, thisRun = true) => ({ sequenceNumber, partitionKey: 'alice', eventId, thisRun });

  test.each<[string, Parameters<typeof replayVerdict>[0], RegExp[]]>([
    ['the log from the offset on, in order', { from: '100', replayed: [r('100', 5), r('105', 10)], expectedEventIds: [5, 10] }, []],
    ['a typed offset with no expectations', { from: '100', replayed: [r('100', 5, false)] }, []],
    ['nothing replayed', { from: '100', replayed: [] }, [/nothing was replayed from sequence number 100/]],
    ['started at another record', { from: '100', replayed: [r('105', 10)] }, [/started at 105, not at the requested 100/]],
    ['out of sequence order', { from: '100', replayed: [r('100', 5), r('99', 1)] }, [/not in sequence order at position 1/]],
    ['a record missing', { from: '100', replayed: [r('100', 5)], expectedEventIds: [5, 10] }, [/replayed events \[5\], expected \[5, 10\]/]],
  ])('%s', (_name, observations, expected) => {
    const verdict = replayVerdict(observations);
    expect(verdict.failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(verdict.failures[i]).toMatch(pattern));
  });
});
