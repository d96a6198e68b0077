import { median, round, sample } from '../../bench/stats';

describe('median', () => {
  test.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1000], 10],
    [[-1, -3, -2], -2],
  ])('of %j is %d', (samples, expected) => {
    expect(median(samples)).toBe(expected);
  });

  test('does not reorder the samples it is given', () => {
    const samples = [3, 1, 2];
    median(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  test('fails if there are no samples', () => {
    expect(() => median([])).toThrow(/no samples/);
  });

  test('fails if a sample is not finite', () => {
    expect(() => median([1, Number.NaN])).toThrow(/finite/);
  });
});

describe('sample', () => {
  test('runs the measurement once per run, in order', async () => {
    let n = 0;
    expect(await sample(3, () => ++n)).toEqual([1, 2, 3]);
  });

  test('fails if runs is not a positive integer', async () => {
    await expect(sample(0, () => 1)).rejects.toThrow(/runs must be a positive integer, but 0/);
  });
});

test('round keeps the asked decimals', () => {
  expect(round(1.23456, 2)).toBe(1.23);
  expect(round(1.5, 0)).toBe(2);
});
