import { createColors } from 'picocolors';
import { resample, renderTimeSeries } from '../../../labs/report/time-series';
import { PLAIN } from '../../../labs/report/style';

describe('resample', () => {
  it.each([
    [[1, 2, 3], 5, [1, 2, 3]],
    [[1, 5, 2, 0, 7, 1], 3, [5, 2, 7]],
    [[0, 0, 9, 0], 2, [0, 9]],
    [[4, 1, 1, 1, 1], 1, [4]],
  ])('%j to %i columns keeps each span\'s peak: %j', (values, width, expected) => {
    expect(resample(values, width)).toEqual(expected);
  });

  it('fails if the width is not a positive integer', () => {
    expect(() => resample([1], 0)).toThrow(/width must be a positive integer, but 0 was provided/);
  });
});

describe('renderTimeSeries', () => {
  const lines = [
    { label: 'depth', values: [0, 3, 6, 6, 3, 0], color: 'blue' },
    { label: 'busy', values: [0, 3, 3, 3, 3, 0], color: 'red' },
  ];

  it('plots every line from 0 to the highest value, with a plain legend naming each peak', () => {
    const text = renderTimeSeries(lines, PLAIN, { height: 6, xAxis: '0 .. 0.6 s' });
    const rows = text.split('\n');
    expect(rows[0]).toMatch(/^\s+6 [┤┼]/);
    expect(rows.some((row) => /^\s+0 ┼/.test(row))).toBe(true);
    expect(rows.at(-2)?.trim()).toBe('0 .. 0.6 s');
    expect(rows.at(-1)?.trim()).toBe('depth (peak 6)   busy (peak 3)');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/\u001b\[/);
  });

  it('colours the lines and the legend on a terminal', () => {
    expect(renderTimeSeries(lines, createColors(true), { height: 6 })).toContain('\u001b[');
  });

  it('says so when there is nothing to plot', () => {
    expect(renderTimeSeries([{ label: 'depth', values: [], color: undefined }], PLAIN)).toBe('(no samples)');
  });
});
