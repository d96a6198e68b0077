import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DeadEndQueue, QueueWithDeadLetterQueue, type QueueWithDeadLetterQueueProps } from '../../../lib/constructs/queue-with-dlq';
import { nagFindings } from '../../helpers/nag';
import { tlsOnlyPolicy } from '../../helpers/tls-only';

function synth(props: QueueWithDeadLetterQueueProps = {}): Template {
  const stack = new Stack(new App(), 'QueueTest');
  new QueueWithDeadLetterQueue(stack, 'Work', props);
  return Template.fromStack(stack);
}

describe('QueueWithDeadLetterQueue', () => {
  const template = synth();

  test('creates a queue and its dead-letter queue', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
  });

  test('encrypts both queues with SQS-managed keys, never a KMS key SNS cannot use', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(2);
    for (const queue of queues) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      expect(queue.Properties).not.toHaveProperty('KmsMasterKeyId');
    }
  });

  test('refuses non-TLS requests on both queues', () => {
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    template.allResourcesProperties('AWS::SQS::QueuePolicy', tlsOnlyPolicy('sqs:*'));
  });

  test('redrives to the dead-letter queue after 3 receives by default', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 3,
      },
      VisibilityTimeout: 30,
      MessageRetentionPeriod: 4 * 24 * 3600,
    });
  });

  test('keeps dead letters 14 days by default', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.absent(),
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  test('deletes both queues with the stack', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    for (const queue of queues) {
      expect(queue).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
  });

  test('passes maxReceiveCount, visibility timeout and retention periods through', () => {
    const custom = synth({
      maxReceiveCount: 5,
      visibilityTimeout: Duration.seconds(90),
      retentionPeriod: Duration.hours(1),
      deadLetterRetentionPeriod: Duration.days(2),
    });
    custom.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
      VisibilityTimeout: 90,
      MessageRetentionPeriod: 3600,
    });
    custom.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.absent(), MessageRetentionPeriod: 2 * 24 * 3600 });
  });

  test.each([0, 1001, 2.5])('fails if maxReceiveCount is %p', (maxReceiveCount) => {
    expect(() => synth({ maxReceiveCount })).toThrow(
      new RegExp(`maxReceiveCount must be an integer between 1 and 1000, but ${maxReceiveCount} was provided`),
    );
  });
});

describe('DeadEndQueue', () => {
  function build(deadEndOf?: string): App {
    const app = new App();
    new DeadEndQueue(new Stack(app, 'DeadEndTest'), 'Failures', deadEndOf === undefined ? {} : { deadEndOf });
    return app;
  }

  test('is encrypted with SSE-SQS, keeps messages 14 days and is deleted with the stack', () => {
    const template = Template.fromStack(build().node.findChild('DeadEndTest') as Stack);
    template.hasResource('AWS::SQS::Queue', {
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', tlsOnlyPolicy('sqs:*'));
  });

  test('acknowledges AwsSolutions-SQS3 only when it says what it is the dead end of', () => {
    const ruleIds = (app: App) => nagFindings(app).map((f) => f.ruleId);
    expect(ruleIds(build())).toContain('AwsSolutions-SQS3');
    expect(ruleIds(build("a function's DeadLetterConfig target"))).not.toContain('AwsSolutions-SQS3');
  });
});
