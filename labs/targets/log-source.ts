/**
 * The functions' log lines as a lab reads them back, the same on every target: the local runtime's log
 * store (in this process, or a `labs up` cloud's through its control API) and CloudWatch Logs on AWS.
 */

/** One line a function wrote, with the environment (log stream) that wrote it. */
export interface LogEvent {
  readonly functionName: string;
  readonly logStreamName: string;
  /** When the line was written (ingested, on AWS), epoch ms. */
  readonly timestamp: number;
  readonly message: string;
}

export interface LogQuery {
  /** The functions (physical names) whose lines to read. */
  readonly functionNames: readonly string[];
  /** Only the lines that contain this text (an order id). */
  readonly contains: string;
  /** Only lines written at or after this time, epoch ms. */
  readonly sinceMs?: number;
}

export interface LogSource {
  /** The matching lines of every function, oldest first (bounded: see each source). */
  search(query: LogQuery): Promise<LogEvent[]>;
}

/** The lines of `query` among `entries` (what a log store holds), oldest first. */
export function matching(entries: readonly LogEvent[], query: LogQuery): LogEvent[] {
  const functions = new Set(query.functionNames);
  const since = query.sinceMs ?? 0;
  return entries
    .filter((e) => functions.has(e.functionName) && e.timestamp >= since && e.message.includes(query.contains))
    .sort((a, b) => a.timestamp - b.timestamp);
}

/** A log source over log lines in memory (the local runtime's store). */
export function storeLogSource(entries: () => readonly { readonly functionName: string; readonly logStreamName: string; readonly timestamp: number; readonly line: string }[]): LogSource {
  return {
    search: async (query) => matching(entries().map((e) => ({ functionName: e.functionName, logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.line })), query),
  };
}

/** The session's log source, or an error saying the target cannot read logs. */
export function logSourceOf(session: { readonly logs?: LogSource; readonly stackName: string }): LogSource {
  if (session.logs === undefined) throw new Error(`the functions' logs of ${session.stackName} cannot be read on this target`);
  return session.logs;
}
