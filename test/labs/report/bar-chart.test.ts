import { renderBarChart } from '../../../labs/report/bar-chart';

describe('renderBarChart', () => {
  test('scales bars to the largest value, aligns labels and values', () => {
    const chart = renderBarChart(
      [
        { label: 'env-a', value: 10 },
        { label: 'env-bb', value: 5 },
        { label: 'c', value: 0 },
      ],
      { width: 10, fill: '#' },
    );
    expect(chart).toBe(['env-a  10 ##########', 'env-bb  5 #####', 'c       0'].join('\n'));
  });

  test('a small non-zero value still gets one cell', () => {
    const chart = renderBarChart([{ label: 'big', value: 1000 }, { label: 'tiny', value: 1 }], { width: 20, fill: '#' });
    expect(chart.split('\n')[1]).toBe('tiny    1 #');
  });

  test('all zeros draw no bars; no bars draw nothing', () => {
    expect(renderBarChart([{ label: 'a', value: 0 }])).toBe('a 0');
    expect(renderBarChart([])).toBe('');
  });

  test('fails if the width is not a positive integer', () => {
    expect(() => renderBarChart([{ label: 'a', value: 1 }], { width: 0 })).toThrow(/width must be a positive integer, but 0/);
  });
});
