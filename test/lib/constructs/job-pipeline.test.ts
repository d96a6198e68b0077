import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { projectContext } from '../../../lib/app';
import { JobPipeline, type JobPipelineProps } from '../../../lib/constructs/job-pipeline';
import { expectDisposableTable } from '../../helpers/tables';
import { tlsOnlyPolicy } from '../../helpers/tls-only';

function build(props: JobPipelineProps = {}): { stack: Stack; pipeline: JobPipeline; template: Template } {
  // cdk.json's feature flags, as the app uses them (they shape the IAM policies).
  const stack = new Stack(new App({ context: { ...projectContext(), 'aws:cdk:bundling-stacks': [] } }), 'JobPipelineTest');
  const pipeline = new JobPipeline(stack, 'Pipeline', props);
  return { stack, pipeline, template: Template.fromStack(stack) };
}

const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });
const arnOf = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });
/** The calls Powertools idempotency's DynamoDB persistence layer makes, and nothing more. */
const IDEMPOTENCY_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

interface Grant {
  readonly actions: string[];
  /** Logical ids of the resources, sorted. */
  readonly resources: string[];
}

/** Every statement of the default policy of the function whose logical id starts with `prefix`, order-free. */
function grantsOf(template: Template, prefix: string): Grant[] {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${prefix}ServiceRole`) }] } }),
  ) as Array<{ Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }>;
  expect(policies).toHaveLength(1);
  return policies[0]!.Properties.PolicyDocument.Statement.map((statement) => ({
    actions: [statement.Action].flat().sort(),
    resources: [statement.Resource]
      .flat()
      .map((r) => JSON.stringify(r).match(/"(Pipeline[A-Za-z]+?)[0-9A-F]{8}"/)?.[1] ?? JSON.stringify(r))
      .sort(),
  }));
}

describe('JobPipeline', () => {
  const { stack, pipeline, template } = build();

  describe('subtask topic', () => {
    test('is encrypted with the AWS-managed SNS key', () => {
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::Join': ['', Match.arrayWith([':alias/aws/sns'])] },
      });
    });

    test('refuses publishing without TLS', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref('PipelineSubtaskTopic')],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    test('invokes the worker directly, one invocation per message (Lambda subscription)', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        TopicArn: ref('PipelineSubtaskTopic'),
        Endpoint: arnOf('PipelineWorker'),
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'sns.amazonaws.com',
        FunctionName: arnOf('PipelineWorker'),
        SourceArn: ref('PipelineSubtaskTopic'),
      });
    });
  });

  describe('worker', () => {
    test('retries a failed asynchronous invocation twice (three attempts)', () => {
      template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref('PipelineWorker'),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
      });
    });

    test('then sends the event to its dead-letter queue', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        DeadLetterConfig: { TargetArn: arnOf('PipelineDeadLetterQueue') },
        Environment: { Variables: Match.objectLike({ RESULTS_TABLE_NAME: ref('PipelineResultsTable') }) },
      });
    });

    test('gets both table names and the TTL, with a 30-second timeout', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Timeout: 30,
        Environment: {
          Variables: Match.objectLike({
            JOBS_TABLE_NAME: ref('PipelineJobsTable'),
            RESULTS_TABLE_NAME: ref('PipelineResultsTable'),
            JOB_TTL_SECONDS: '86400',
          }),
        },
      });
    });

    test('is granted table writes (jobs and results) and the dead-letter queue, nothing else', () => {
      expect(grantsOf(template, 'PipelineWorker')).toEqual(
        expect.arrayContaining([
          { actions: ['sqs:SendMessage'], resources: ['PipelineDeadLetterQueue'] },
          { actions: ['dynamodb:UpdateItem'], resources: ['PipelineJobsTable'] },
          { actions: ['dynamodb:PutItem'], resources: ['PipelineResultsTable'] },
        ]),
      );
      // The fourth statement is LabFunction's write access to the function's own log group.
      expect(grantsOf(template, 'PipelineWorker')).toHaveLength(4);
    });
  });

  describe('ventilator', () => {
    test('gets the jobs table, the topic, the range bound, the TTL and the idempotency table', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            JOBS_TABLE_NAME: ref('PipelineJobsTable'),
            SUBTASK_TOPIC_ARN: ref('PipelineSubtaskTopic'),
            MAX_RANGE_END: '10000000',
            JOB_TTL_SECONDS: '86400',
            IDEMPOTENCY_TABLE_NAME: ref('PipelineIdempotencyTable'),
          }),
        },
      });
    });

    test('is granted sns:Publish on the topic, writes on the jobs table and read-write on the idempotency table only', () => {
      const grants = grantsOf(template, 'PipelineVentilator');
      expect(grants).toEqual(
        expect.arrayContaining([
          { actions: ['sns:Publish'], resources: ['PipelineSubtaskTopic'] },
          { actions: ['dynamodb:PutItem'], resources: ['PipelineJobsTable'] },
          { actions: IDEMPOTENCY_ACTIONS, resources: ['PipelineIdempotencyTable'] },
        ]),
      );
      // Besides the log-group write access every LabFunction has, one statement is grantPublish's use
      // of the topic's SNS-managed key, limited to that alias.
      expect(grants).toHaveLength(5);
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [ref('PipelineVentilatorServiceRole')],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/sns' } },
            }),
          ]),
        },
      });
    });

    test('has no asynchronous retry configuration (the lab invokes it synchronously)', () => {
      template.resourcePropertiesCountIs('AWS::Lambda::EventInvokeConfig', { FunctionName: ref('PipelineVentilator') }, 0);
    });
  });

  describe('dead-letter queue', () => {
    test('is encrypted with SQS-managed keys, keeps dead letters 14 days and is deleted with the stack', () => {
      template.resourceCountIs('AWS::SQS::Queue', 1);
      template.hasResource('AWS::SQS::Queue', {
        Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
      });
    });

    test('refuses requests without TLS', () => {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', { Queues: [ref('PipelineDeadLetterQueue')], ...tlsOnlyPolicy('sqs:*') });
    });
  });

  describe('tables', () => {
    test('jobs: keyed by jobId, on demand, with a TTL, deleted with the stack', () => {
      expectDisposableTable(template, { partitionKey: { name: 'jobId', type: 'S' }, timeToLiveAttribute: 'expiresAt' });
    });

    test('results: keyed by jobId + numeric subtaskId, on demand, with a TTL, deleted with the stack', () => {
      expectDisposableTable(template, {
        partitionKey: { name: 'jobId', type: 'S' },
        sortKey: { name: 'subtaskId', type: 'N' },
        timeToLiveAttribute: 'expiresAt',
      });
    });

    test('idempotency: in the shape Powertools expects, on demand, deleted with the stack', () => {
      expectDisposableTable(template, { partitionKey: { name: 'id', type: 'S' }, timeToLiveAttribute: 'expiration' });
      template.resourceCountIs('AWS::DynamoDB::Table', 3);
    });

    test('only the ventilator reads or writes the idempotency table', () => {
      const holders = ['PipelineVentilator', 'PipelineWorker'].filter((fn) =>
        grantsOf(template, fn).some((grant) => grant.resources.includes('PipelineIdempotencyTable')),
      );
      expect(holders).toEqual(['PipelineVentilator']);
    });
  });

  test('exposes what it creates under its role names', () => {
    const logicalIdOf = (value: string) => JSON.stringify(stack.resolve(value));
    expect(logicalIdOf(pipeline.ventilator.functionName)).toMatch(/PipelineVentilator/);
    expect(logicalIdOf(pipeline.worker.functionName)).toMatch(/PipelineWorker/);
    expect(logicalIdOf(pipeline.topic.topicArn)).toMatch(/PipelineSubtaskTopic/);
    expect(logicalIdOf(pipeline.deadLetterQueue.queueUrl)).toMatch(/PipelineDeadLetterQueue/);
    expect(logicalIdOf(pipeline.jobsTable.tableName)).toMatch(/PipelineJobsTable/);
    expect(logicalIdOf(pipeline.resultsTable.tableName)).toMatch(/PipelineResultsTable/);
    expect(logicalIdOf(pipeline.idempotencyTable.tableName)).toMatch(/PipelineIdempotencyTable/);
  });
});

describe('JobPipeline props', () => {
  test('passes maxRangeEnd, workerRetryAttempts, workerTimeout and jobRetention through', () => {
    // GIVEN / WHEN
    const { template } = build({
      maxRangeEnd: 500_000,
      workerRetryAttempts: 0,
      workerTimeout: Duration.seconds(90),
      jobRetention: Duration.hours(2),
    });
    // THEN
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 90,
      Environment: { Variables: Match.objectLike({ RESULTS_TABLE_NAME: Match.anyValue(), JOB_TTL_SECONDS: '7200' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_RANGE_END: '500000', JOB_TTL_SECONDS: '7200' }) },
    });
  });

  test.each<[string, JobPipelineProps, RegExp]>([
    ['maxRangeEnd is 0', { maxRangeEnd: 0 }, /maxRangeEnd must be an integer between 1 and 100000000, but 0 was provided/],
    ['maxRangeEnd is above 100,000,000', { maxRangeEnd: 100_000_001 }, /maxRangeEnd must be an integer between 1 and 100000000, but 100000001 was provided/],
    ['maxRangeEnd is not an integer', { maxRangeEnd: 1.5 }, /maxRangeEnd must be an integer between 1 and 100000000, but 1.5 was provided/],
    ['workerRetryAttempts is 3', { workerRetryAttempts: 3 }, /workerRetryAttempts must be an integer between 0 and 2, but 3 was provided/],
    ['workerRetryAttempts is negative', { workerRetryAttempts: -1 }, /workerRetryAttempts must be an integer between 0 and 2, but -1 was provided/],
    ['jobRetention is under an hour', { jobRetention: Duration.minutes(30) }, /jobRetention \(hours\) must be between 1 and 720, but 0.5 was provided/],
    ['jobRetention is over 30 days', { jobRetention: Duration.days(31) }, /jobRetention \(hours\) must be between 1 and 720, but 744 was provided/],
    ['workerTimeout is over 15 minutes', { workerTimeout: Duration.minutes(16) }, /timeout \(seconds\) must be an integer between 1 and 900, but 960 was provided/],
  ])('fails if %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
