import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { projectContext } from '../../../lib/app';
import { WorkerPool, type WorkerPoolProps } from '../../../lib/constructs/worker-pool';
import { expectDisposableTable } from '../../helpers/tables';

function build(props: WorkerPoolProps = {}): { pool: WorkerPool; template: Template } {
  // cdk.json's feature flags, as the app synthesizes; no bundling, only the template is read.
  const stack = new Stack(new App({ context: { ...projectContext(), 'aws:cdk:bundling-stacks': [] } }), 'WorkerPoolTest');
  const pool = new WorkerPool(stack, 'Pool', props);
  return { pool, template: Template.fromStack(stack) };
}

describe('WorkerPool', () => {
  const { pool, template } = build();

  test('consumes the work queue with partial batch failures, batch size 10 and 3 workers', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PoolWorkQueue'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^PoolWorker') },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  test('sets the visibility timeout to six times the 5-second function timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 5 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 30, RedrivePolicy: Match.anyValue() });
    expect(pool.visibilityTimeout.toSeconds()).toBe(30);
  });

  test('dead-letters a task after 3 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PoolWorkDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 3,
      },
    });
  });

  test('keeps a ledger keyed by taskId, on demand, with a TTL, deleted with the stack', () => {
    expectDisposableTable(template, { partitionKey: { name: 'taskId', type: 'S' }, timeToLiveAttribute: 'expiresAt' });
  });

  test('keeps no idempotency table: the conditional ledger write records a redelivered task once', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  test('runs the worker handler on Node.js 24 arm64 with the tables and the work budget in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          LEDGER_TABLE_NAME: { Ref: Match.stringLikeRegexp('^PoolLedger') },
          MAX_TASK_WORK_MS: String(pool.maxTaskWorkMs),
        }),
      },
    });
  });

  test('derives the longest task so a full batch fits the timeout', () => {
    // (5000 ms - 500 ms per batch) / 10 tasks - 100 ms per task
    expect(pool.maxTaskWorkMs).toBe(800);
  });

  test('grants the ledger UpdateItem only, the one call the worker makes', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'dynamodb:UpdateItem',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PoolLedger'), 'Arn'] },
          },
        ]),
      },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy.Properties as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }).PolicyDocument.Statement,
    );
    const ledgerActions = statements
      .filter((s) => JSON.stringify(s.Resource).includes('PoolLedger'))
      .flatMap((s) => s.Action);
    expect(ledgerActions).toEqual(['dynamodb:UpdateItem']);
    expect(JSON.stringify(statements)).not.toMatch(/"Resource":"\*"/);
  });

  test('passes pool size, batch size, receive count and timeout through', () => {
    const { pool: custom, template: t } = build({ poolSize: 7, batchSize: 2, maxReceiveCount: 5, timeout: Duration.seconds(20) });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 2, ScalingConfig: { MaximumConcurrency: 7 } });
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 120, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    t.hasResourceProperties('AWS::Lambda::Function', { Timeout: 20 });
    expect(custom.maxTaskWorkMs).toBe(Math.floor(19500 / 2) - 100);
  });

  test('accepts an explicit task budget that fits', () => {
    expect(build({ maxTaskWorkMs: 200 }).pool.maxTaskWorkMs).toBe(200);
  });

  test.each([
    ['poolSize', { poolSize: 1 }, /poolSize must be an integer between 2 and 1000, but 1 was provided/],
    ['poolSize', { poolSize: 1001 }, /poolSize must be an integer between 2 and 1000, but 1001 was provided/],
    ['maxReceiveCount', { maxReceiveCount: 1 }, /maxReceiveCount must be an integer between 2 and 10, but 1 was provided/],
    ['maxReceiveCount', { maxReceiveCount: 11 }, /maxReceiveCount must be an integer between 2 and 10, but 11 was provided/],
    ['batchSize', { batchSize: 0 }, /batchSize must be an integer between 1 and 10, but 0 was provided/],
    ['batchSize', { batchSize: 11 }, /batchSize must be an integer between 1 and 10, but 11 was provided/],
    ['timeout', { timeout: Duration.seconds(1) }, /timeout must be at least 2 seconds for a batch of 5 tasks, but 1 seconds was provided/],
    [
      'maxTaskWorkMs',
      { maxTaskWorkMs: 1000 },
      /timeout of 5 seconds cannot finish a batch of 5 tasks of maxTaskWorkMs 1000 \(needs at least 6 seconds\): maxTaskWorkMs must be at most 800/,
    ],
    ['maxTaskWorkMs', { maxTaskWorkMs: -1 }, /maxTaskWorkMs must be an integer between 0 and 900000, but -1 was provided/],
  ])('fails if %s is out of range (%p)', (_name, props, message) => {
    expect(() => build(props as WorkerPoolProps)).toThrow(message);
  });
});
