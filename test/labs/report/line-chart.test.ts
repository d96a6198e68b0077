import { downsample, renderLineChart } from '../../../labs/report/line-chart';

describe('downsample', () => {
  it.each([
    [[1, 2, 3], 5, [1, 2, 3]],
    [[0, 1, 2, 3, 4, 5, 6, 7, 8], 3, [0, 4, 8]],
    [[5, 9, 1, 7], 2, [5, 7]],
  ])('of %j to %d points is %j', (values, width, expected) => {
    expect(downsample(values, width)).toEqual(expected);
  });
});

describe('renderLineChart', () => {
  it('plots each series under its label on one vertical scale', () => {
    const chart = renderLineChart([
      { label: 'search-index', values: [0, 4, 4, 0] },
      { label: 'category-summary', values: [0, 1, 0, 0] },
    ], { height: 4 });
    const lines = chart.split('\n');
    expect(lines[0]).toBe('search-index:');
    expect(lines[6]).toBe('category-summary:');
    // Both plots run from 4 down to 0, whatever their own maximum.
    expect(lines[1]).toMatch(/^\s+4 ┼/);
    expect(lines[7]).toMatch(/^\s+4 ┼/);
    expect(lines[11]).toMatch(/^\s+0 ┼/);
    expect(lines).toHaveLength(12);
  });

  it('says so when there is nothing to plot, and fails on a width below 2', () => {
    expect(renderLineChart([{ label: 'empty', values: [] }])).toBe('(no samples)');
    expect(() => renderLineChart([], { width: 1 })).toThrow(/width must be an integer of at least 2, but 1 was provided/);
  });
});
