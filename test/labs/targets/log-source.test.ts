import { cloudLogSource } from '../../../labs/cloud/attach';
import { logsAfter } from '../../../labs/cloud/cloud';
import type { CloudState } from '../../../labs/cloud/state';
import { logSourceOf, matching, storeLogSource, type LogEvent } from '../../../labs/targets/log-source';

const event = (functionName: string, timestamp: number, message: string): LogEvent => ({ functionName, logStreamName: `${functionName}-env`, timestamp, message });

describe('matching', () => {
  const events = [event('b', 30, 'order X done'), event('a', 10, 'order X received'), event('a', 20, 'order Y received'), event('c', 5, 'order X elsewhere')];

  test('keeps the lines of the named functions that contain the text, oldest first', () => {
    expect(matching(events, { functionNames: ['a', 'b'], contains: 'X' }).map((e) => e.message)).toEqual(['order X received', 'order X done']);
  });

  test('drops lines before sinceMs', () => {
    expect(matching(events, { functionNames: ['a', 'b'], contains: 'X', sinceMs: 11 }).map((e) => e.timestamp)).toEqual([30]);
  });
});

test('storeLogSource reads the local runtime\'s entries (their line is the message)', async () => {
  const source = storeLogSource(() => [{ functionName: 'a', logStreamName: 's', timestamp: 1, line: 'X', stream: 'stdout' }]);
  expect(await source.search({ functionNames: ['a'], contains: 'X' })).toEqual([{ functionName: 'a', logStreamName: 's', timestamp: 1, message: 'X' }]);
});

test('cloudLogSource asks the running cloud\'s control API for the lines with the text, and keeps those of the functions asked for', async () => {
  const asked: unknown[] = [];
  const call = (async (_state: CloudState, operation: string, options: unknown) => {
    asked.push([operation, options]);
    return [
      { functionName: 'a', logStreamName: 's', timestamp: 100, line: 'X a', stream: 'stdout' },
      { functionName: 'other-module', logStreamName: 's', timestamp: 101, line: 'X other', stream: 'stdout' },
    ];
  }) as never;
  const found = await cloudLogSource({} as CloudState, call).search({ functionNames: ['a'], contains: 'X', sinceMs: 100 });
  expect(found.map((e) => e.message)).toEqual(['X a']);
  // The control API answers lines after `since`: one ms before, so a line at sinceMs is kept.
  expect(asked).toEqual([['logs', { query: { function: '', since: '99', contains: 'X' } }]]);
});

test('logSourceOf fails, naming the stack, on a session without logs', () => {
  expect(() => logSourceOf({ stackName: 'LabOrders' })).toThrow("the functions' logs of LabOrders cannot be read on this target");
});

test('the running cloud answers `logs` with the lines after since, and only those with the text when asked', () => {
  const entries = [1, 2, 3].map((t) => ({ functionName: 'a', logStreamName: 's', timestamp: t, line: t === 2 ? 'order X' : 'order Y', stream: 'stdout' as const }));
  expect(logsAfter(entries, new URLSearchParams({ since: '1' })).map((e) => e.timestamp)).toEqual([2, 3]);
  expect(logsAfter(entries, new URLSearchParams({ since: '0', contains: 'X' })).map((e) => e.timestamp)).toEqual([2]);
});
