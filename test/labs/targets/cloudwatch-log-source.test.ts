import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { cloudWatchLogSource, functionLogGroups, MAX_EVENTS_PER_FUNCTION, MAX_PAGES_PER_LOG_GROUP } from '../../../labs/targets/cloudwatch-log-source';

const logs = mockClient(CloudWatchLogsClient);
const lambda = mockClient(LambdaClient);
const ID = '30f7ebd8-7f0a-8e5a-8b08-d14ad633fe96';
const GROUPS: Record<string, string> = { 'LabOrders-Intake': 'LabOrders-IntakeLogGroupA1B2-x', 'LabOrders-Payment': 'LabOrders-PaymentWorkerLogGroupC3D4-y' };
const groupOf = async (name: string): Promise<string> => GROUPS[name]!;

beforeEach(() => {
  logs.reset();
  lambda.reset();
});

describe('cloudWatchLogSource', () => {
  test('filters each function\'s log group on the quoted id from the given time, and merges the lines by time', async () => {
    // GIVEN
    logs.on(FilterLogEventsCommand, { logGroupName: GROUPS['LabOrders-Intake'] }).resolves({ events: [{ logStreamName: 'i-1', timestamp: 30, message: '{"step":"accepted"}\n' }] });
    logs.on(FilterLogEventsCommand, { logGroupName: GROUPS['LabOrders-Payment'] }).resolves({
      events: [
        { logStreamName: 'p-1', timestamp: 10, message: '{"step":"received"}' },
        { logStreamName: 'p-1', timestamp: 40, message: '{"step":"charged"}' },
      ],
    });
    // WHEN
    const found = await cloudWatchLogSource(new CloudWatchLogsClient({}), groupOf).search({ functionNames: ['LabOrders-Intake', 'LabOrders-Payment'], contains: ID, sinceMs: 5 });
    // THEN
    expect(found).toEqual([
      { functionName: 'LabOrders-Payment', logStreamName: 'p-1', timestamp: 10, message: '{"step":"received"}' },
      { functionName: 'LabOrders-Intake', logStreamName: 'i-1', timestamp: 30, message: '{"step":"accepted"}' },
      { functionName: 'LabOrders-Payment', logStreamName: 'p-1', timestamp: 40, message: '{"step":"charged"}' },
    ]);
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
    for (const logGroupName of Object.values(GROUPS)) {
      expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, { logGroupName, filterPattern: `"${ID}"`, startTime: 5, limit: MAX_EVENTS_PER_FUNCTION });
    }
  });

  test('follows nextToken page by page, empty pages included, until the last page', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ logStreamName: 's', timestamp: 1, message: 'a' }], nextToken: 't1' })
      .resolvesOnce({ events: [], nextToken: 't2' })
      .resolvesOnce({ events: [{ logStreamName: 's', timestamp: 3, message: 'c' }] });
    const found = await cloudWatchLogSource(new CloudWatchLogsClient({}), groupOf).search({ functionNames: ['LabOrders-Intake'], contains: ID });
    expect(found.map((e) => e.message)).toEqual(['a', 'c']);
    const calls = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(calls.map((input) => [input.nextToken, input.limit, input.startTime])).toEqual([
      [undefined, MAX_EVENTS_PER_FUNCTION, undefined],
      ['t1', MAX_EVENTS_PER_FUNCTION - 1, undefined],
      ['t2', MAX_EVENTS_PER_FUNCTION - 1, undefined],
    ]);
  });

  test(`reads at most ${MAX_PAGES_PER_LOG_GROUP} pages of a log group`, async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [], nextToken: 'more' });
    await cloudWatchLogSource(new CloudWatchLogsClient({}), groupOf).search({ functionNames: ['LabOrders-Intake'], contains: ID });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, MAX_PAGES_PER_LOG_GROUP);
  });

  test(`keeps at most ${MAX_EVENTS_PER_FUNCTION} lines of a function, and stops reading there`, async () => {
    const page = Array.from({ length: 600 }, (_, i) => ({ logStreamName: 's', timestamp: i, message: `line ${i}` }));
    logs.on(FilterLogEventsCommand).resolves({ events: page, nextToken: 'more' });
    const found = await cloudWatchLogSource(new CloudWatchLogsClient({}), groupOf).search({ functionNames: ['LabOrders-Intake'], contains: ID });
    expect([found.length, logs.commandCalls(FilterLogEventsCommand).length]).toEqual([MAX_EVENTS_PER_FUNCTION, 2]);
  });

  test('fails if the text cannot be a quoted term of a filter pattern', async () => {
    await expect(cloudWatchLogSource(new CloudWatchLogsClient({}), groupOf).search({ functionNames: ['LabOrders-Intake'], contains: 'a"b' })).rejects.toThrow(/quotes or backslashes/);
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 0);
  });
});

describe('functionLogGroups', () => {
  test('names each function\'s own log group from its LoggingConfig, asking Lambda once per function', async () => {
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'LabOrders-Intake' }).resolves({ LoggingConfig: { LogFormat: 'JSON', LogGroup: 'LabOrders-IntakeLogGroupA1B2-x' } });
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'plain' }).resolves({});
    const groups = functionLogGroups(new LambdaClient({}));
    expect(await Promise.all([groups('LabOrders-Intake'), groups('LabOrders-Intake'), groups('plain')])).toEqual([
      'LabOrders-IntakeLogGroupA1B2-x',
      'LabOrders-IntakeLogGroupA1B2-x',
      '/aws/lambda/plain',
    ]);
    expect(lambda).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 2);
  });
});
