import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LogEvent, LogSource } from './log-source';

/** FilterLogEvents pages read per log group: a page scans part of the group and may come back empty. */
export const MAX_PAGES_PER_LOG_GROUP = 50;
/** Lines kept per function: one order writes a few dozen, so more means the filter matched far too much. */
export const MAX_EVENTS_PER_FUNCTION = 1000;

/**
 * The functions' lines in CloudWatch Logs: FilterLogEvents on each function's log group with the text
 * as a quoted term of the filter pattern (an order id has hyphens, which the pattern syntax needs
 * quoted), from `sinceMs`, page by page, bounded by MAX_PAGES_PER_LOG_GROUP and MAX_EVENTS_PER_FUNCTION.
 */
export function cloudWatchLogSource(client: CloudWatchLogsClient, logGroupOf: (functionName: string) => Promise<string>): LogSource {
  return {
    async search(query) {
      if (/["\\]/.test(query.contains)) throw new Error(`cannot search the logs for text with quotes or backslashes: ${query.contains}`);
      const perFunction = await Promise.all(
        query.functionNames.map(async (functionName) => {
          const logGroupName = await logGroupOf(functionName);
          const events: LogEvent[] = [];
          let nextToken: string | undefined;
          for (let page = 0; page < MAX_PAGES_PER_LOG_GROUP && events.length < MAX_EVENTS_PER_FUNCTION; page += 1) {
            const answer = await client.send(
              new FilterLogEventsCommand({
                logGroupName,
                filterPattern: `"${query.contains}"`,
                ...(query.sinceMs !== undefined ? { startTime: query.sinceMs } : {}),
                limit: MAX_EVENTS_PER_FUNCTION - events.length,
                ...(nextToken !== undefined ? { nextToken } : {}),
              }),
            );
            for (const e of answer.events ?? []) {
              events.push({ functionName, logStreamName: e.logStreamName ?? '', timestamp: e.timestamp ?? 0, message: (e.message ?? '').trimEnd() });
            }
            nextToken = answer.nextToken;
            if (nextToken === undefined) break;
          }
          return events.slice(0, MAX_EVENTS_PER_FUNCTION);
        }),
      );
      return perFunction.flat().sort((a, b) => a.timestamp - b.timestamp);
    },
  };
}

/**
 * Each function's log group, as Lambda reports it (LoggingConfig.LogGroup): the lab functions log into
 * a log group of their own (LabFunction), whose name CloudFormation generates, not /aws/lambda/<name>.
 */
export function functionLogGroups(lambda: LambdaClient): (functionName: string) => Promise<string> {
  const known = new Map<string, Promise<string>>();
  return (functionName) => {
    let group = known.get(functionName);
    if (group === undefined) {
      group = lambda
        .send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
        .then((c) => c.LoggingConfig?.LogGroup ?? `/aws/lambda/${functionName}`);
      known.set(functionName, group);
    }
    return group;
  };
}
