import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { expectNothingRetained, teardownProblems } from './teardown';

function templateOf(build: (stack: Stack) => void): Template {
  const stack = new Stack(new App(), 'TeardownProbe');
  build(stack);
  return Template.fromStack(stack);
}

function functionLoggingTo(stack: Stack, logGroup?: LogGroup): void {
  new LambdaFunction(stack, 'Fn', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => {};'),
    ...(logGroup ? { logGroup } : {}),
  });
}

const ownedLogGroup = (stack: Stack): LogGroup =>
  new LogGroup(stack, 'Logs', { retention: RetentionDays.ONE_DAY, removalPolicy: RemovalPolicy.DESTROY });

describe('teardown helper', () => {
  test('passes a stack that destroys everything it creates', () => {
    const template = templateOf((stack) => {
      new Queue(stack, 'Queue', { removalPolicy: RemovalPolicy.DESTROY });
      new Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      functionLoggingTo(stack, ownedLogGroup(stack));
    });
    expect(() => expectNothingRetained(template)).not.toThrow();
  });

  test('fails if a table keeps the CDK default Retain policy', () => {
    const template = templateOf((stack) => {
      new Table(stack, 'Table', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    });
    expect(() => expectNothingRetained(template)).toThrow(/Table\w* \(AWS::DynamoDB::Table\) has DeletionPolicy Retain/);
  });

  test('fails if a snapshot policy is used', () => {
    const template = templateOf((stack) => {
      new Queue(stack, 'Queue', { removalPolicy: RemovalPolicy.SNAPSHOT });
    });
    expect(teardownProblems(template)).toEqual(
      expect.arrayContaining([expect.stringMatching(/Queue\w* \(AWS::SQS::Queue\) has UpdateReplacePolicy Snapshot/)]),
    );
  });

  test('fails if a log group has no retention', () => {
    const template = templateOf((stack) => {
      new LogGroup(stack, 'Logs', { retention: RetentionDays.INFINITE, removalPolicy: RemovalPolicy.DESTROY });
    });
    expect(() => expectNothingRetained(template)).toThrow(/Logs\w* \(AWS::Logs::LogGroup\) has no RetentionInDays/);
  });

  test('fails if a function logs to the implicit group Lambda creates', () => {
    const template = templateOf((stack) => functionLoggingTo(stack));
    expect(() => expectNothingRetained(template)).toThrow(/Fn\w* \(AWS::Lambda::Function\) does not log to a log group of this stack/);
  });

  test('fails if a stateful resource has no explicit Delete policy', () => {
    // An L1 queue carries no DeletionPolicy at all.
    const template = templateOf((stack) => {
      new CfnQueue(stack, 'Queue');
    });
    expect(teardownProblems(template)).toEqual([expect.stringMatching(/Queue\w* \(AWS::SQS::Queue\) must have DeletionPolicy Delete, but has/)]);
  });
});
