import type { Colors } from './style';

/** Log stream names are long (`2026/01/01/[$LATEST]0123abcd...`): the tail tells environments apart. */
export function shortId(id: string, keep = 12): string {
  return id.length <= keep + 1 ? id : `…${id.slice(-keep)}`;
}

/** Long decimal keys and sequence numbers, cut as the seed prints them (`[:10]...`). */
export function head(value: string, keep = 10): string {
  return value.length <= keep ? value : `${value.slice(0, keep)}…`;
}

export function mark(colors: Colors, ok: boolean): string {
  return ok ? colors.green('✓') : colors.red('✗');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
