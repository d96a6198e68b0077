import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetEventSourceMappingCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LabModule } from '../../../lib/modules';
import { awsTarget } from '../../../labs/targets/aws';

const FANOUT: LabModule = {
  name: 'fanout',
  stackId: 'LabFanout',
  description: 'fan-out',
  seed: 'Module 8',
  outputs: ['TopicArn', 'AnalyticsQueueUrl', 'NotificationMinAmount'],
  create: () => {
    throw new Error('not synthesized in this test');
  },
  lab: async () => {
    throw new Error('not run in this test');
  },
};

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);

function deployed(over: Partial<Stack> = {}): { Stacks: Stack[] } {
  return {
    Stacks: [
      {
        StackName: 'LabFanout',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [
          { OutputKey: 'TopicArn', OutputValue: 'arn:aws:sns:us-east-1:123456789012:order-events' },
          { OutputKey: 'AnalyticsQueueUrl', OutputValue: 'https://sqs.us-east-1.amazonaws.com/123456789012/analytics' },
          { OutputKey: 'NotificationMinAmount', OutputValue: '100' },
        ],
        ...over,
      },
    ],
  };
}

async function openError(options: Parameters<typeof awsTarget.open>[1] = { region: 'us-east-1' }): Promise<string> {
  try {
    const session = await awsTarget.open(FANOUT, options);
    await session.close();
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('open() succeeded');
}

beforeEach(() => {
  cfn.reset();
  lambda.reset();
});

test('reads the resources from the deployed stack\'s outputs', async () => {
  cfn.on(DescribeStacksCommand, { StackName: 'LabFanout' }).resolves(deployed());
  const lines: string[] = [];
  const session = await awsTarget.open(FANOUT, { region: 'eu-west-1', log: (l) => lines.push(l) });
  try {
    expect(session.target).toBe('aws');
    expect(session.region).toBe('eu-west-1');
    expect(session.stackName).toBe('LabFanout');
    expect(session.output('TopicArn')).toBe('arn:aws:sns:us-east-1:123456789012:order-events');
    expect(session.output('AnalyticsQueueUrl')).toBe('https://sqs.us-east-1.amazonaws.com/123456789012/analytics');
    expect(session.output('NotificationMinAmount')).toBe('100');
    expect(() => session.output('InventoryQueueUrl')).toThrow(
      'stack LabFanout has no output InventoryQueueUrl: redeploy it with `npx cdk deploy LabFanout`',
    );
    expect(await session.clients.sqs.config.region()).toBe('eu-west-1');
    expect(lines).toEqual(['using stack LabFanout in eu-west-1']);
  } finally {
    await session.close();
    await session.close();
  }
});

test('looks up the prefixed stack id', async () => {
  cfn.on(DescribeStacksCommand, { StackName: 'alice-LabFanout' }).resolves(deployed({ StackName: 'alice-LabFanout' }));
  const session = await awsTarget.open(FANOUT, { region: 'us-east-1', stackPrefix: 'alice-' });
  expect(session.stackName).toBe('alice-LabFanout');
  await session.close();
});

test('fails if the stack is not deployed, with the deploy command', async () => {
  cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id LabFanout does not exist'), { name: 'ValidationError' }));
  expect(await openError()).toBe('stack LabFanout is not deployed in us-east-1: run `npx cdk deploy LabFanout`');
});

test('fails if a prefixed stack is not deployed, with the prefix in the deploy command', async () => {
  cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id bob-LabFanout does not exist'), { name: 'ValidationError' }));
  expect(await openError({ region: 'us-east-1', stackPrefix: 'bob-' })).toBe(
    'stack bob-LabFanout is not deployed in us-east-1: run `npx cdk deploy bob-LabFanout -c stackPrefix=bob-`',
  );
});

test('fails if the stack is of an older shape, naming the missing outputs', async () => {
  cfn.on(DescribeStacksCommand).resolves(deployed({ Outputs: [{ OutputKey: 'TopicArn', OutputValue: 'arn' }] }));
  expect(await openError()).toBe(
    'stack LabFanout in us-east-1 is of an older shape (missing outputs AnalyticsQueueUrl, NotificationMinAmount): redeploy it with `npx cdk deploy LabFanout`',
  );
});

test('fails if no credentials are found, saying how to provide them', async () => {
  cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
  expect(await openError()).toMatch(/^no AWS credentials found: run `aws configure`.*--profile.*--target local$/);
});

test.each([
  ['the endpoint does not resolve', Object.assign(new Error('getaddrinfo ENOTFOUND cloudformation.us-east-1.amazonaws.com'), { code: 'ENOTFOUND' }), 'ENOTFOUND'],
  ['the connection times out', Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }), 'TimeoutError'],
])('fails if AWS cannot be reached (%s), saying what to check', async (_what, error, code) => {
  cfn.on(DescribeStacksCommand).rejects(error);
  expect(await openError()).toBe(
    `cannot reach AWS CloudFormation in us-east-1 (${code}): check your network connection and --region; without an AWS account use --target local`,
  );
});

test('fails if the stack is still being deployed', async () => {
  cfn.on(DescribeStacksCommand).resolves(deployed({ StackStatus: 'UPDATE_IN_PROGRESS' }));
  expect(await openError()).toBe('stack LabFanout in us-east-1 is UPDATE_IN_PROGRESS: wait for it to finish, then rerun');
});

test('fails if the stack failed to create', async () => {
  cfn.on(DescribeStacksCommand).resolves(deployed({ StackStatus: 'ROLLBACK_COMPLETE' }));
  expect(await openError()).toMatch(/^stack LabFanout in us-east-1 is ROLLBACK_COMPLETE: fix or delete it .*`npx cdk deploy LabFanout`$/);
});

test('fails if a prefixed stack failed to create, with the prefix in the destroy and deploy commands', async () => {
  cfn.on(DescribeStacksCommand).resolves(deployed({ StackName: 'bob-LabFanout', StackStatus: 'ROLLBACK_COMPLETE' }));
  expect(await openError({ region: 'us-east-1', stackPrefix: 'bob-' })).toBe(
    'stack bob-LabFanout in us-east-1 is ROLLBACK_COMPLETE: fix or delete it (`npx cdk destroy bob-LabFanout -c stackPrefix=bob-`), then run `npx cdk deploy bob-LabFanout -c stackPrefix=bob-`',
  );
});

test('fails if expired credentials are used', async () => {
  cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }));
  expect(await openError()).toMatch(/credentials have expired/);
});

describe('when the stack changed', () => {
  test('is the last update when there was one', async () => {
    const updated = new Date('2026-12-01T19:50:00Z');
    cfn.on(DescribeStacksCommand).resolves(deployed({ CreationTime: new Date('2026-11-01T00:00:00Z'), LastUpdatedTime: updated }));
    const session = await awsTarget.open(FANOUT, { region: 'us-east-1' });
    expect(session.stackChangedAt).toEqual(updated);
    await session.close();
  });

  test('is the creation otherwise', async () => {
    const created = new Date('2026-12-01T19:55:00Z');
    cfn.on(DescribeStacksCommand).resolves(deployed({ CreationTime: created }));
    const session = await awsTarget.open(FANOUT, { region: 'us-east-1' });
    expect(session.stackChangedAt).toEqual(created);
    await session.close();
  });
});

describe('preflight', () => {
  test('fails if an event-source mapping of the stack is not Enabled yet', async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed());
    cfn.on(ListStackResourcesCommand, { StackName: 'LabFanout' }).resolves({
      StackResourceSummaries: [
        { ResourceType: 'AWS::Lambda::EventSourceMapping', PhysicalResourceId: 'uuid-1', LogicalResourceId: 'M', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      ],
    });
    lambda.on(GetEventSourceMappingCommand, { UUID: 'uuid-1' }).resolves({
      UUID: 'uuid-1',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:worker',
      State: 'Enabling',
      StateTransitionReason: 'USER_INITIATED',
    });
    expect(await openError()).toBe(
      'stack LabFanout in us-east-1 is not ready: the event-source mapping uuid-1 of function worker is Enabling (USER_INITIATED), not Enabled: wait a minute for it to become Enabled, then rerun',
    );
  });

  test('warns when the account\'s Lambda concurrency is below what the lab will need, computed from the outputs', async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed());
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const lines: string[] = [];
    const session = await awsTarget.open(FANOUT, {
      region: 'us-east-1',
      log: (l) => lines.push(l),
      requiredConcurrency: (outputs) => ({ executions: Number(outputs.NotificationMinAmount), reason: 'one per unit of the threshold' }),
    });
    await session.close();
    expect(lines).toEqual([
      'using stack LabFanout in us-east-1',
      expect.stringMatching(/^warning: this lab runs up to 100 Lambda executions at once \(one per unit of the threshold\), but this account's concurrency limit in us-east-1 is 10: .*--desired-value 1000 --region us-east-1`$/),
    ]);
  });

  test('does not read the account settings for a lab that runs no functions', async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed());
    const session = await awsTarget.open(FANOUT, { region: 'us-east-1' });
    await session.close();
    expect(lambda.commandCalls(GetAccountSettingsCommand)).toHaveLength(0);
  });
});

describe('lambda.invoke', () => {
  test('returns the parsed payload', async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed());
    lambda.on(InvokeCommand, { FunctionName: 'ventilator' }).resolves({ StatusCode: 200, Payload: Buffer.from('{"jobId":"j1"}') as never });
    const session = await awsTarget.open(FANOUT, { region: 'us-east-1' });
    expect(await session.clients.lambda.invoke('ventilator', { subtasks: 2 })).toEqual({ jobId: 'j1' });
    const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array;
    expect(JSON.parse(new TextDecoder().decode(sent))).toEqual({ subtasks: 2 });
    await session.close();
  });

  test('fails with the function\'s error message when the function errored', async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed());
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: Buffer.from(JSON.stringify({ errorType: 'ZodError', errorMessage: 'subtasks must not exceed rangeEnd' })) as never,
    });
    const session = await awsTarget.open(FANOUT, { region: 'us-east-1' });
    await expect(session.clients.lambda.invoke('ventilator', {})).rejects.toThrow('function ventilator failed (ZodError): subtasks must not exceed rangeEnd');
    await session.close();
  });
});

test('fails if no region is configured, saying where to set one', async () => {
  const saved = { ...process.env };
  try {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_PROFILE;
    process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
    expect(await openError({})).toBe('no AWS region configured: pass --region, set AWS_REGION, or set a region in your AWS profile');
  } finally {
    process.env = saved;
  }
});
