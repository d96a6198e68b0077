import { plot } from 'asciichart';

export interface LineSeries {
  readonly label: string;
  readonly values: readonly number[];
}

export interface LineChartOptions {
  /** Rows of the plot. @default 8 */
  readonly height?: number;
  /** Most points per series: longer series are sampled down evenly (first and last kept). @default 60 */
  readonly width?: number;
}

/** Picks `width` points of `values` evenly, keeping the first and the last. */
export function downsample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  return Array.from({ length: width }, (_, index) => values[Math.round((index * (values.length - 1)) / (width - 1))] as number);
}

/**
 * Time series for the terminal (asciichart): one plot per series on a shared vertical scale, each
 * under its label, so the series compare without colour (plain text when not a TTY).
 */
export function renderLineChart(series: readonly LineSeries[], options: LineChartOptions = {}): string {
  const width = options.width ?? 60;
  if (!Number.isInteger(width) || width < 2) throw new Error(`width must be an integer of at least 2, but ${width} was provided`);
  const drawn = series.filter((s) => s.values.length > 0);
  if (drawn.length === 0) return '(no samples)';
  const all = drawn.flatMap((s) => s.values);
  const scale = { min: Math.min(0, ...all), max: Math.max(1, ...all) };
  return drawn
    .map((s) => [`${s.label}:`, plot(downsample(s.values, width), { height: options.height ?? 6, ...scale, format: (x: number) => String(Math.round(x)).padStart(5) })].join('\n'))
    .join('\n');
}
