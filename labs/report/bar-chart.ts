export interface Bar {
  readonly label: string;
  readonly value: number;
}

export interface BarChartOptions {
  /** Characters of the longest bar. @default 40 */
  readonly width?: number;
  /** @default '█' */
  readonly fill?: string;
}

/**
 * A horizontal bar chart for the terminal: one line per bar, labels aligned, bars scaled to the
 * largest value (any non-zero value gets at least one cell, so a worker that did little still shows).
 */
export function renderBarChart(bars: readonly Bar[], options: BarChartOptions = {}): string {
  const width = options.width ?? 40;
  const fill = options.fill ?? '█';
  if (!Number.isInteger(width) || width < 1) {
    throw new Error(`width must be a positive integer, but ${width} was provided`);
  }
  const max = Math.max(0, ...bars.map((b) => b.value));
  const labelWidth = Math.max(0, ...bars.map((b) => b.label.length));
  const valueWidth = Math.max(0, ...bars.map((b) => String(b.value).length));
  return bars
    .map((bar) => {
      const cells = max === 0 || bar.value <= 0 ? 0 : Math.max(1, Math.round((bar.value / max) * width));
      return `${bar.label.padEnd(labelWidth)} ${String(bar.value).padStart(valueWidth)} ${fill.repeat(cells)}`.trimEnd();
    })
    .join('\n');
}
