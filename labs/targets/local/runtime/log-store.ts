import type { OutputStream } from './execution-environment';

export interface LogEntry {
  readonly functionName: string;
  /** The environment that wrote the line (distinct per environment, as on Lambda). */
  readonly logStreamName: string;
  readonly stream: OutputStream;
  readonly line: string;
  readonly timestamp: number;
}

/** Lines kept per function; older lines are dropped so a long run cannot exhaust memory. */
export const MAX_LOG_LINES_PER_FUNCTION = 5_000;

/** Handler output per function, in memory and bounded; optionally echoed to a sink (verbose mode). */
export class LogStore {
  private readonly byFunction = new Map<string, LogEntry[]>();

  constructor(
    private readonly sink?: (line: string) => void,
    private readonly maxLinesPerFunction = MAX_LOG_LINES_PER_FUNCTION,
  ) {}

  append(functionName: string, logStreamName: string, stream: OutputStream, line: string): void {
    let entries = this.byFunction.get(functionName);
    if (entries === undefined) {
      entries = [];
      this.byFunction.set(functionName, entries);
    }
    entries.push({ functionName, logStreamName, stream, line, timestamp: Date.now() });
    if (entries.length > this.maxLinesPerFunction) entries.splice(0, entries.length - this.maxLinesPerFunction);
    // The stream name's random suffix tells environments apart; its first 8 hex digits are enough to read.
    this.sink?.(`[${functionName} ${logStreamName.slice(-32, -24)}] ${line}`);
  }

  entries(functionName?: string): LogEntry[] {
    if (functionName !== undefined) return [...(this.byFunction.get(functionName) ?? [])];
    return [...this.byFunction.values()].flat().sort((a, b) => a.timestamp - b.timestamp);
  }
}
