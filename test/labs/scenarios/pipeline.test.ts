import { countPrimesBelow, pipelineVerdict } from '../../../labs/scenarios/pipeline';

describe('countPrimesBelow', () => {
  test.each([
    [0, 0],
    [2, 0],
    [3, 1],
    [10, 4],
    [100, 25],
    [1_000, 168],
    [100_000, 9_592],
    [1_000_000, 78_498],
  ])('primes below %i: %i', (n, count) => {
    expect(countPrimesBelow(n)).toBe(count);
  });

  test('fails if n is not a non-negative integer', () => {
    expect(() => countPrimesBelow(-1)).toThrow(/non-negative integer, but -1/);
    expect(() => countPrimesBelow(2.5)).toThrow(/but 2.5/);
  });
});

describe('pipelineVerdict', () => {
  const done: Parameters<typeof pipelineVerdict>[0] = { status: 'COMPLETED', subtasks: 10, completed: 10, resultItems: 10, result: 78_498, expectedResult: 78_498, timedOut: false };

  test.each<[string, Partial<typeof done>, RegExp[]]>([
    ['the job completed with the right aggregate', {}, []],
    ['the aggregate is wrong', { result: 78_497 }, [/aggregate is 78497, expected 78498/]],
    ['a subtask was counted twice', { completed: 11 }, [/counted 11 of 10 subtasks/]],
    ['a result is missing', { resultItems: 9 }, [/results table holds 9 results for 10 subtasks/]],
    ['the job never finished', { status: 'RUNNING', completed: 7, result: null, timedOut: true }, [/job is RUNNING when the wait ended, expected COMPLETED/, /7 of 10/]],
  ])('%s', (_name, change, expected) => {
    const verdict = pipelineVerdict({ ...done, ...change });
    expect(verdict.failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(verdict.failures[i]).toMatch(pattern));
    expect(verdict.ok).toBe(expected.length === 0);
  });
});
