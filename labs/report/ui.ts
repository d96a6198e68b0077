import { Presets, SingleBar } from 'cli-progress';
import { colorsFor, PLAIN, type Colors, type StreamLike } from './style';

/** Follows a count towards a total while a scenario waits. */
export interface Progress {
  update(value: number, detail?: string): void;
  /** Leaves the final state on screen (or prints it as a last line). Safe to call twice. */
  stop(): void;
}

/** What a scenario may say to the user while it runs; everything goes to stderr. */
export interface Ui {
  readonly colors: Colors;
  readonly verbose: boolean;
  log(line: string): void;
  /** Shown with --verbose only. */
  debug(line: string): void;
  progress(label: string, total: number): Progress;
}

export interface UiOptions {
  readonly stderr: StreamLike;
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Plain-mode progress prints at most one line per interval. @default 2000 */
  readonly plainIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * A progress bar for a person at a terminal; plain periodic lines otherwise (CI logs, pipes, --json),
 * where redrawing a bar would fill the log with control sequences.
 */
export function createUi(options: UiOptions): Ui {
  const { stderr } = options;
  const interactive = stderr.isTTY === true && options.json !== true;
  const colors = options.json === true ? PLAIN : colorsFor(stderr, options.env);
  const verbose = options.verbose === true;
  const log = (line: string): void => {
    stderr.write(`${line}\n`);
  };
  return {
    colors,
    verbose,
    log,
    debug: (line) => {
      if (verbose) log(colors.dim(line));
    },
    progress: (label, total) =>
      interactive
        ? barProgress(stderr, label, total)
        : plainProgress(log, label, total, options.plainIntervalMs ?? 2000, options.now ?? Date.now),
  };
}

function barProgress(stream: StreamLike, label: string, total: number): Progress {
  const bar = new SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: `${label} [{bar}] {value}/{total} {detail}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { detail: '' });
  let stopped = false;
  return {
    update: (value, detail = '') => {
      if (!stopped) bar.update(value, { detail });
    },
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}

export function plainProgress(
  log: (line: string) => void,
  label: string,
  total: number,
  intervalMs: number,
  now: () => number,
): Progress {
  let last: { value: number; detail: string } = { value: 0, detail: '' };
  let printedAt: number | undefined;
  let printed = '';
  let stopped = false;
  const print = (): void => {
    const line = `${label}: ${last.value}/${total}${last.detail ? ` ${last.detail}` : ''}`;
    if (line !== printed) log(line);
    printed = line;
    printedAt = now();
  };
  return {
    update: (value, detail = '') => {
      if (stopped) return;
      last = { value, detail };
      if (printedAt === undefined || now() - printedAt >= intervalMs) print();
    },
    stop: () => {
      if (!stopped) print();
      stopped = true;
    },
  };
}
