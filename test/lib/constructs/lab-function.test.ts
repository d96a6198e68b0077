import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { join } from 'node:path';
import { LabFunction, type LabFunctionProps } from '../../../lib/constructs/lab-function';

const ENTRY = join(__dirname, '..', '..', '..', 'lambda', 'worker-pool', 'handler.ts');

/** A stack without bundling: the template is what these tests read. */
function newStack(): Stack {
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'LabFunctionTest');
}

function synth(props: Partial<LabFunctionProps> = {}): Template {
  const stack = newStack();
  new LabFunction(stack, 'Fn', { entry: ENTRY, ...props });
  return Template.fromStack(stack);
}

describe('LabFunction', () => {
  const template = synth();

  test('runs Node.js 24 on arm64 with the default timeout and memory', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 10,
      MemorySize: 256,
      Handler: 'index.handler',
    });
  });

  test('may write logs to its own log group only, with no AWS-managed policy', () => {
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
          },
        ],
      },
    });
  });

  test('logs JSON into its own log group', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(logGroups)).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Object.keys(logGroups)[0] } },
    });
  });

  test('keeps logs one week by default and deletes them with the stack', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('enables source maps and names the Powertools service after the construct', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'Fn' } },
    });
  });

  test('passes timeout, memory, retention, environment and service name through', () => {
    const custom = synth({
      timeout: Duration.seconds(30),
      memorySizeMiB: 512,
      logRetention: RetentionDays.ONE_DAY,
      serviceName: 'svc',
      environment: { TABLE: 't' },
    });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 30,
      MemorySize: 512,
      Environment: { Variables: Match.objectLike({ TABLE: 't', POWERTOOLS_SERVICE_NAME: 'svc' }) },
    });
    custom.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 1 });
  });

  test('passes async retries and a dead-letter queue through', () => {
    const stack = newStack();
    const deadLetterQueue = new Queue(stack, 'Dlq');
    new LabFunction(stack, 'Fn', { entry: ENTRY, retryAttempts: 1, deadLetterQueue });
    const custom = Template.fromStack(stack);
    custom.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 1 });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dlq'), 'Arn'] } },
    });
  });

  test.each([
    [127, /memorySizeMiB must be an integer between 128 and 10240, but 127 was provided/],
    [10241, /memorySizeMiB must be an integer between 128 and 10240, but 10241 was provided/],
  ])('fails if memorySizeMiB is %p', (memorySizeMiB, message) => {
    expect(() => synth({ memorySizeMiB })).toThrow(message);
  });

  test('fails if timeout is longer than 15 minutes', () => {
    expect(() => synth({ timeout: Duration.seconds(901) })).toThrow(
      /timeout \(seconds\) must be an integer between 1 and 900, but 901 was provided/,
    );
  });
});
