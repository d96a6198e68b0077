import * as asciichart from 'asciichart';
import type { Colors } from './style';

export interface Line {
  readonly label: string;
  readonly values: readonly number[];
  /** asciichart's colour, used only when colours are on. */
  readonly color: asciichart.Color;
}

export interface TimeSeriesOptions {
  /** Rows of the plot. @default 8 */
  readonly height?: number;
  /** Columns at most: longer series are resampled, each column the largest value of its span. @default 60 */
  readonly width?: number;
  /** What the x axis spans, printed under the plot (`0 .. 4.2 s`). */
  readonly xAxis?: string;
}

/**
 * Resamples `values` to at most `width` points, each the largest of the values it covers, so a peak
 * (the deepest queue, the busiest instant) survives the narrowing.
 */
export function resample(values: readonly number[], width: number): number[] {
  if (!Number.isInteger(width) || width < 1) throw new Error(`width must be a positive integer, but ${width} was provided`);
  if (values.length <= width) return [...values];
  return Array.from({ length: width }, (_, column) => {
    const from = Math.floor((column * values.length) / width);
    const to = Math.floor(((column + 1) * values.length) / width);
    return Math.max(...values.slice(from, Math.max(to, from + 1)));
  });
}

/**
 * Several series over the same samples in one terminal chart (asciichart), starting at 0, with a
 * legend; colours tell the lines apart on a terminal, and the legend lists each line's peak so a
 * plain-text log still reads.
 */
export function renderTimeSeries(lines: readonly Line[], colors: Colors, options: TimeSeriesOptions = {}): string {
  const width = options.width ?? 60;
  const height = options.height ?? 8;
  const drawn = lines.filter((line) => line.values.length > 0);
  if (drawn.length === 0) return '(no samples)';
  const series = drawn.map((line) => resample(line.values, width));
  const top = Math.max(1, ...series.flat());
  const chart = asciichart.plot(series, {
    min: 0,
    max: top,
    height: Math.min(height, top),
    format: (x) => String(Math.round(x)).padStart(4),
    ...(colors.isColorSupported ? { colors: drawn.map((line) => line.color) } : {}),
  });
  const legend = drawn
    .map((line) => {
      const label = `${line.label} (peak ${Math.max(...line.values)})`;
      return colors.isColorSupported ? asciichart.colored(`── ${label}`, line.color) : `${label}`;
    })
    .join('   ');
  return [chart, `      ${options.xAxis ?? ''}`.trimEnd(), `      ${legend}`].filter((line) => line.trim() !== '').join('\n');
}
