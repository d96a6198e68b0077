import { createColors } from 'picocolors';

export type Colors = ReturnType<typeof createColors>;

export interface StreamLike {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Colour only for a terminal. picocolors alone also colours when `CI` is set, which would put escape
 * codes in CI logs; here NO_COLOR always wins, FORCE_COLOR (other than `0`) forces colour, and
 * otherwise the stream must be a TTY.
 */
export function colorEnabled(stream: StreamLike, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function colorsFor(stream: StreamLike, env: NodeJS.ProcessEnv = process.env): Colors {
  return createColors(colorEnabled(stream, env));
}

/** Colours that do nothing: for tests and JSON mode. */
export const PLAIN: Colors = createColors(false);
