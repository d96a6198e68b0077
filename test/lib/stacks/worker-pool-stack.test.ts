import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { findModule } from '../../../lib/modules';
import { WorkerPoolStack } from '../../../lib/stacks/worker-pool-stack';
import { expectModuleNagClean } from '../../helpers/nag';
import { synthModule } from '../../helpers/synth';
import { expectNothingRetained } from '../../helpers/teardown';
import { tlsOnlyPolicy } from '../../helpers/tls-only';

describe('LabWorkerPool', () => {
  const { template } = synthModule('worker-pool');

  test('matches the reviewed template', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('has one work queue with a dead-letter queue after 3 receives, encrypted and TLS-only', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkerPoolWorkDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 3,
      },
    });
    template.allResourcesProperties('AWS::SQS::QueuePolicy', tlsOnlyPolicy('sqs:*'));
  });

  test('makes the visibility timeout six times the function timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 5 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 30, RedrivePolicy: Match.anyValue() });
  });

  test('runs a pool of 3 workers taking batches of 10 with partial batch failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkerPoolWorkQueue'), 'Arn'] },
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 3 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('runs the worker on Node.js 24, arm64, logging into a log group with retention', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^WorkerPoolWorkerLogGroup') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('keeps one table, the ledger, on demand, destroyed with the stack', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'taskId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
      DeletionPolicy: 'Delete',
    });
  });

  test('exports every output the lab reads', () => {
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual([...findModule('worker-pool').outputs].sort());
    template.hasOutput('WorkQueueUrl', { Value: { Ref: Match.stringLikeRegexp('^WorkerPoolWorkQueue') } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: Match.stringLikeRegexp('^WorkerPoolWorkDeadLetterQueue') } });
    template.hasOutput('LedgerTableName', { Value: { Ref: Match.stringLikeRegexp('^WorkerPoolLedger') } });
    template.hasOutput('WorkerFunctionName', { Value: { Ref: Match.stringLikeRegexp('^WorkerPoolWorker') } });
    template.hasOutput('WorkerPoolSize', { Value: '3' });
    template.hasOutput('MaxReceiveCount', { Value: '3' });
    template.hasOutput('VisibilityTimeoutSeconds', { Value: '30' });
    template.hasOutput('MaxTaskWorkMs', { Value: '800' });
  });

  test('takes pool size, receive count, timeout and batch size from context', () => {
    const custom = synthModule('worker-pool', {
      workerPoolSize: '5',
      maxReceiveCount: '4',
      workerTimeoutSeconds: '2',
      workerBatchSize: '5',
    }).template;
    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 5, ScalingConfig: { MaximumConcurrency: 5 } });
    custom.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 12, RedrivePolicy: Match.objectLike({ maxReceiveCount: 4 }) });
    custom.hasResourceProperties('AWS::Lambda::Function', { Timeout: 2 });
    custom.hasOutput('VisibilityTimeoutSeconds', { Value: '12' });
    custom.hasOutput('MaxTaskWorkMs', { Value: String(Math.floor(1500 / 5) - 100) });
  });

  test('leaves nothing behind on destroy', () => {
    expectNothingRetained(template);
  });

  test('has no unacknowledged cdk-nag AwsSolutions findings', () => {
    expectModuleNagClean('worker-pool');
  });

  test.each([
    [{ workerPoolSize: 1 }, /poolSize must be an integer between 2 and 1000, but 1 was provided/],
    [{ maxReceiveCount: 11 }, /maxReceiveCount must be an integer between 2 and 10, but 11 was provided/],
    [{ workerTimeoutSeconds: 1 }, /timeout must be at least 2 seconds for a batch of 5 tasks, but 1 seconds was provided/],
    [{ workerBatchSize: 20 }, /batchSize must be an integer between 1 and 10, but 20 was provided/],
  ])('fails if configured with %p', (props, message) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new WorkerPoolStack(app, 'Bad', { context: () => undefined, ...props })).toThrow(message);
  });

  test('fails if a context value is not a number', () => {
    expect(() => synthModule('worker-pool', { workerPoolSize: 'three' })).toThrow(
      /context value workerPoolSize must be a number, but 'three' was provided/,
    );
  });
});
