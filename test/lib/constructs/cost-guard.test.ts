import { App, CliCredentialsStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { COST_GUARD_NOW_CONTEXT, CostGuard, EXPIRES_IN_HOURS_CONTEXT, type CostGuardProps } from '../../../lib/constructs/cost-guard';
import { expectNoUnacknowledgedNagFindings } from '../../helpers/nag';

const NOW = new Date('2026-01-01T00:00:00.750Z');

/** A stack with a queue and a stream (the kind of resources a guard outlives) and a guard. */
function guardedStack(props: Partial<CostGuardProps> = {}, app = new App()): { stack: Stack; guard: CostGuard } {
  const stack = new Stack(app, 'Guarded');
  new Queue(stack, 'Work', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
  new Stream(stack, 'Stream', { shardCount: 1 });
  const guard = new CostGuard(stack, 'CostGuard', { expiresInHours: 4, now: NOW, ...props });
  return { stack, guard };
}

function contextReader(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

describe('CostGuard', () => {
  let template: Template;
  let guard: CostGuard;
  beforeAll(() => {
    const built = guardedStack();
    guard = built.guard;
    template = Template.fromStack(built.stack);
  });

  test('schedules one run at now + expiresInHours, in UTC, to the second', () => {
    // THEN
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'at(2026-01-01T04:00:00)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    expect(guard.expiresAt.toISOString()).toBe('2026-01-01T04:00:00.000Z');
  });

  test('is one-shot and goes with the stack it deletes (an at() expression, no retention)', () => {
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    for (const schedule of Object.values(schedules)) {
      expect(schedule['Properties']['ScheduleExpression']).toMatch(/^at\(/);
      expect(schedule['DeletionPolicy']).not.toBe('Retain');
    }
  });

  test('calls CloudFormation DeleteStack on this stack id', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: {
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:cloudformation:deleteStack']] },
        Input: { 'Fn::Join': ['', ['{"StackName":"', { Ref: 'AWS::StackId' }, '"}']] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CostGuardRole'), 'Arn'] },
      },
    });
  });

  test("the role may only call DeleteStack, on this stack's ARN", () => {
    const policies = template.findResources('AWS::IAM::Policy');
    expect(Object.values(policies).map((p) => p['Properties']['PolicyDocument']['Statement'])).toEqual([
      [{ Action: 'cloudformation:DeleteStack', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } }],
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), Policies: Match.absent() });
  });

  test('no statement of the guard grants a wildcard action or resource', () => {
    const documents = JSON.stringify([template.findResources('AWS::IAM::Policy'), template.findResources('AWS::IAM::Role')]);
    expect(documents).not.toMatch(/"\*"|:\*"|"Action":"[a-z]+:\*/);
  });

  test('only EventBridge Scheduler of this account may assume the role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
  });

  test('every other resource depends on the guard, so CloudFormation deletes the guard last', () => {
    // GIVEN
    const resources = template.toJSON()['Resources'] as Record<string, { Type: string; DependsOn?: string[] }>;
    const guardIds = Object.keys(resources).filter((id) => id.startsWith('CostGuard'));
    const others = Object.keys(resources).filter((id) => !id.startsWith('CostGuard'));
    // THEN
    expect(guardIds.map((id) => resources[id]!.Type).sort()).toEqual(['AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::Scheduler::Schedule']);
    expect(others.length).toBeGreaterThanOrEqual(3);
    for (const id of others) expect(resources[id]!.DependsOn).toEqual(expect.arrayContaining(guardIds));
    for (const id of guardIds) expect(resources[id]!.DependsOn ?? []).toEqual([]);
  });

  test('the default clock is the time of synthesis', () => {
    // GIVEN
    const before = Date.now();
    // WHEN
    const { guard: fresh } = guardedStack({ now: undefined, expiresInHours: 2 });
    // THEN
    const delay = fresh.expiresAt.getTime() - 2 * 3_600_000;
    expect(delay).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(delay).toBeLessThanOrEqual(Date.now());
  });

  test.each([0, 169, 1.5, -3, Number.NaN])('fails if expiresInHours is %p', (hours) => {
    expect(() => guardedStack({ expiresInHours: hours })).toThrow(
      /^expiresInHours must be an integer between 1 and 168 \(one week\), but -?\w+(\.\d+)? was provided$/,
    );
  });

  test('fails if now is not a valid date', () => {
    expect(() => guardedStack({ now: new Date('not a date') })).toThrow(/now must be a valid date/);
  });

  test('warns when the stack is deployed without a CloudFormation execution role', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'CliCredentials', { synthesizer: new CliCredentialsStackSynthesizer() });
    // WHEN
    new CostGuard(stack, 'CostGuard', { expiresInHours: 1, now: NOW });
    // THEN
    Annotations.fromStack(stack).hasWarning('/CliCredentials/CostGuard', Match.stringLikeRegexp('not deployed with a CloudFormation execution role'));
  });

  test('raises no warning under the default synthesizer', () => {
    const { stack } = guardedStack();
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('execution role'));
  });

  test('is clean under the AwsSolutions rules', () => {
    // GIVEN a stack holding only the guard
    const app = new App();
    const stack = new Stack(app, 'OnlyGuard');
    new CostGuard(stack, 'CostGuard', { expiresInHours: 4, now: NOW });
    // THEN
    expectNoUnacknowledgedNagFindings(app);
  });
});

describe('CostGuard.fromContext', () => {
  const build = (values: Record<string, unknown>, defaultExpiresInHours?: number) => {
    const stack = new Stack(new App(), 'FromContext');
    return CostGuard.fromContext(stack, 'CostGuard', contextReader(values), { defaultExpiresInHours });
  };

  test('adds no guard when neither the context nor the module asks for one', () => {
    expect(build({})).toBeUndefined();
  });

  test("uses the module's default lifetime when the context is silent", () => {
    expect(build({ [COST_GUARD_NOW_CONTEXT]: '2026-01-01T00:00:00Z' }, 4)?.expiresAt.toISOString()).toBe('2026-01-01T04:00:00.000Z');
  });

  test('-c expiresInHours=12 (a string, as the CLI gives it) overrides the default', () => {
    const guard = build({ [EXPIRES_IN_HOURS_CONTEXT]: '12', [COST_GUARD_NOW_CONTEXT]: '2026-01-01T00:00:00Z' }, 4);
    expect(guard?.expiresAt.toISOString()).toBe('2026-01-01T12:00:00.000Z');
  });

  test('-c expiresInHours=off turns the default guard off', () => {
    expect(build({ [EXPIRES_IN_HOURS_CONTEXT]: 'OFF' }, 4)).toBeUndefined();
  });

  test('fails if expiresInHours is not a number', () => {
    expect(() => build({ [EXPIRES_IN_HOURS_CONTEXT]: 'soon' })).toThrow(/context value expiresInHours must be a number, but 'soon' was provided/);
  });

  test('fails if expiresInHours is out of range', () => {
    expect(() => build({ [EXPIRES_IN_HOURS_CONTEXT]: '200' })).toThrow(/expiresInHours must be an integer between 1 and 168 \(one week\), but 200 was provided/);
  });

  test('fails if costGuardNow is not a date', () => {
    expect(() => build({ [COST_GUARD_NOW_CONTEXT]: 'yesterday' }, 4)).toThrow(/context value costGuardNow must be an ISO 8601 date, but 'yesterday' was provided/);
  });
});
