import { performance } from 'node:perf_hooks';

/**
 * The statistics of the benchmark: medians of repeated runs, because the machine is shared and
 * single runs are noisy; ratios are only ever formed between figures measured in the same run.
 */

/** Middle value of the samples (mean of the two middle ones for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('median of no samples');
  if (samples.some((s) => !Number.isFinite(s))) throw new Error(`median needs finite samples, but got ${samples.join(', ')}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Runs `measure` `runs` times, one after the other, and returns every sample. */
export async function sample(runs: number, measure: () => Promise<number> | number): Promise<number[]> {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, but ${runs} was provided`);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure());
  return samples;
}

/** Milliseconds `work` takes, by the monotonic clock. */
export async function elapsedMs(work: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Rounds to `digits` decimals, for figures that are printed and compared by people. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
