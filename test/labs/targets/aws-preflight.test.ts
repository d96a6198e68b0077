import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetEventSourceMappingCommand, LambdaClient, type EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { checkAccountConcurrency, checkEventSourceMappings, mappingProblem, type PreflightContext } from '../../../labs/targets/aws-preflight';
import { pipelineConcurrency, streamConcurrency, workerPoolConcurrency } from '../../../labs/scenarios/concurrency';

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const DEPLOY = 'npx cdk deploy LabStream';
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:LabStream-ProcessorHandler-Ab12';

function context(): PreflightContext & { lines: string[] } {
  const lines: string[] = [];
  return { stackName: 'LabStream', region: 'us-east-1', deploy: DEPLOY, log: (line) => lines.push(line), lines };
}

const mapping = (over: Partial<EventSourceMappingConfiguration>): EventSourceMappingConfiguration => ({
  UUID: 'uuid-1',
  FunctionArn: FUNCTION,
  State: 'Enabled',
  StateTransitionReason: 'USER_INITIATED',
  LastProcessingResult: 'No records processed',
  ...over,
});

function stackWithMappings(...mappings: EventSourceMappingConfiguration[]): void {
  cfn.on(ListStackResourcesCommand, { StackName: 'LabStream' }).resolves({
    StackResourceSummaries: [
      { LogicalResourceId: 'Stream', ResourceType: 'AWS::Kinesis::Stream', PhysicalResourceId: 'stream', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      ...mappings.map((m, i) => ({
        LogicalResourceId: `Mapping${i}`,
        ResourceType: 'AWS::Lambda::EventSourceMapping',
        PhysicalResourceId: m.UUID,
        ResourceStatus: 'CREATE_COMPLETE' as const,
        LastUpdatedTimestamp: new Date(),
      })),
    ],
  });
  for (const m of mappings) lambda.on(GetEventSourceMappingCommand, { UUID: m.UUID }).resolves(m);
}

beforeEach(() => {
  cfn.reset();
  lambda.reset();
});

describe('mappingProblem', () => {
  test.each([
    ['Enabled, nothing processed yet', {}, undefined],
    ['Enabled, last batch OK', { LastProcessingResult: 'OK' }, undefined],
    ['Enabled, the function failed a batch (poison tasks do that)', { LastProcessingResult: 'PROBLEM: Function call failed' }, undefined],
    [
      'Creating',
      { State: 'Creating', StateTransitionReason: 'USER_INITIATED' },
      'the event-source mapping uuid-1 of function LabStream-ProcessorHandler-Ab12 is Creating (USER_INITIATED), not Enabled: wait a minute for it to become Enabled, then rerun',
    ],
    [
      'Disabled by Lambda',
      { State: 'Disabled', StateTransitionReason: 'PROBLEM: Lambda cannot access the stream' },
      'the event-source mapping uuid-1 of function LabStream-ProcessorHandler-Ab12 is Disabled (PROBLEM: Lambda cannot access the stream), not Enabled: ' +
        'enable it (`aws lambda update-event-source-mapping --uuid uuid-1 --enabled`) or redeploy with `npx cdk deploy LabStream`',
    ],
    [
      'Deleting',
      { State: 'Deleting', StateTransitionReason: undefined },
      'the event-source mapping uuid-1 of function LabStream-ProcessorHandler-Ab12 is Deleting, not Enabled: redeploy with `npx cdk deploy LabStream`',
    ],
    [
      'Enabled, but the role may not read the source',
      { LastProcessingResult: 'PROBLEM: Lambda was unable to assume the execution role' },
      'the event-source mapping uuid-1 of function LabStream-ProcessorHandler-Ab12 is Enabled but its last processing result is ' +
        '"PROBLEM: Lambda was unable to assume the execution role": fix what it names (the function\'s role, its key or the source), then redeploy with `npx cdk deploy LabStream`',
    ],
  ] as const)('%s', (_what, over, expected) => {
    expect(mappingProblem(mapping(over as Partial<EventSourceMappingConfiguration>), DEPLOY)).toBe(expected);
  });
});

describe('checkEventSourceMappings', () => {
  test('passes when every mapping of the stack is Enabled, looking each one up by its physical id', async () => {
    stackWithMappings(mapping({ UUID: 'uuid-1' }), mapping({ UUID: 'uuid-2', LastProcessingResult: 'OK' }));
    const ctx = context();
    await checkEventSourceMappings(new CloudFormationClient({}), new LambdaClient({}), ctx);
    expect(lambda).toHaveReceivedCommandTimes(GetEventSourceMappingCommand, 2);
    expect(lambda).toHaveReceivedCommandWith(GetEventSourceMappingCommand, { UUID: 'uuid-2' });
    expect(ctx.lines).toEqual([]);
  });

  test('fails if a mapping is not Enabled, naming the function, the state, the reason and what to do', async () => {
    stackWithMappings(mapping({ UUID: 'uuid-1' }), mapping({ UUID: 'uuid-2', State: 'Creating', StateTransitionReason: 'USER_INITIATED' }));
    await expect(checkEventSourceMappings(new CloudFormationClient({}), new LambdaClient({}), context())).rejects.toThrow(
      /^stack LabStream in us-east-1 is not ready: the event-source mapping uuid-2 of function LabStream-ProcessorHandler-Ab12 is Creating \(USER_INITIATED\), not Enabled: wait a minute/,
    );
  });

  test('reads every page of the stack\'s resources', async () => {
    cfn
      .on(ListStackResourcesCommand)
      .resolvesOnce({ StackResourceSummaries: [], NextToken: 'page-2' })
      .resolvesOnce({
        StackResourceSummaries: [
          { ResourceType: 'AWS::Lambda::EventSourceMapping', PhysicalResourceId: 'uuid-9', LogicalResourceId: 'M', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
        ],
      });
    lambda.on(GetEventSourceMappingCommand).resolves(mapping({ UUID: 'uuid-9', State: 'Disabled' }));
    await expect(checkEventSourceMappings(new CloudFormationClient({}), new LambdaClient({}), context())).rejects.toThrow(/uuid-9 .* is Disabled/);
    expect(cfn).toHaveReceivedNthCommandWith(2, ListStackResourcesCommand, { StackName: 'LabStream', NextToken: 'page-2' });
  });

  test('notes a function that failed its last batch without failing the check', async () => {
    stackWithMappings(mapping({ LastProcessingResult: 'PROBLEM: Function call failed' }));
    const ctx = context();
    await checkEventSourceMappings(new CloudFormationClient({}), new LambdaClient({}), ctx);
    expect(ctx.lines).toEqual([expect.stringMatching(/^note: function LabStream-ProcessorHandler-Ab12 failed on the last batch/)]);
  });

  test('warns and goes on when the identity may not list the stack\'s resources', async () => {
    cfn.on(ListStackResourcesCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const ctx = context();
    await checkEventSourceMappings(new CloudFormationClient({}), new LambdaClient({}), ctx);
    expect(ctx.lines).toEqual([
      'warning: could not check the event-source mappings of LabStream (AccessDenied): the identity needs cloudformation:ListStackResources and lambda:GetEventSourceMapping; going on without the check',
    ]);
  });
});

describe('checkAccountConcurrency', () => {
  const need = { executions: 15, reason: '5 shards x 3 consumers' };

  test('warns with the numbers and how to request more when the account is below the need', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const ctx = context();
    await checkAccountConcurrency(new LambdaClient({}), need, ctx);
    expect(ctx.lines).toEqual([
      'warning: this lab runs up to 15 Lambda executions at once (5 shards x 3 consumers), but this account\'s concurrency limit in us-east-1 is 10: ' +
        'the rest are throttled and the lab may time out. New accounts often have 10; request more in Service Quotas (AWS Lambda, "Concurrent executions"): ' +
        '`aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000 --region us-east-1`',
    ]);
  });

  test('counts only the unreserved executions when other functions reserved part of the limit', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 12 } });
    const ctx = context();
    await checkAccountConcurrency(new LambdaClient({}), need, ctx);
    expect(ctx.lines).toEqual([expect.stringContaining('concurrency limit in us-east-1 is 1000 (12 unreserved)')]);
  });

  test('says nothing when the account has enough', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
    const ctx = context();
    await checkAccountConcurrency(new LambdaClient({}), { executions: 1000, reason: '1000 subtasks' }, ctx);
    expect(ctx.lines).toEqual([]);
  });

  test('warns and goes on when the identity may not read the account settings', async () => {
    lambda.on(GetAccountSettingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const ctx = context();
    await checkAccountConcurrency(new LambdaClient({}), need, ctx);
    expect(ctx.lines).toEqual([expect.stringMatching(/^warning: could not read the account's Lambda concurrency \(AccessDeniedException\): .*lambda:GetAccountSettings/)]);
  });
});

describe('what each lab needs', () => {
  test('stream: shards x consumers', () => {
    expect(streamConcurrency({ ShardCount: '5', ConsumerNames: 'processor,analytics,search' })).toEqual({ executions: 15, reason: '5 shards x 3 consumers' });
  });

  test('worker pool: its size', () => {
    expect(workerPoolConcurrency({ WorkerPoolSize: '3' })).toEqual({ executions: 3, reason: 'a worker pool of 3' });
  });

  test('pipeline: one worker per subtask', () => {
    expect(pipelineConcurrency(50)).toEqual({ executions: 50, reason: '50 subtasks, one worker invocation each' });
  });

  test.each<Record<string, string>>([{ ShardCount: 'x', ConsumerNames: 'a' }, { ShardCount: '2', ConsumerNames: '' }, {}])('nothing to check for outputs %p', (outputs) => {
    expect(streamConcurrency(outputs)).toBeUndefined();
    expect(workerPoolConcurrency(outputs)).toBeUndefined();
  });
});
