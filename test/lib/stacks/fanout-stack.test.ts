import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { FanoutStack } from '../../../lib/stacks/fanout-stack';
import { findModule } from '../../../lib/modules';
import { expectModuleNagClean } from '../../helpers/nag';
import { synthModule } from '../../helpers/synth';
import { expectNothingRetained } from '../../helpers/teardown';
import { topicOnlyQueuePolicy, topicSendStatement } from '../../helpers/queue-policies';
import { tlsOnlyPolicy } from '../../helpers/tls-only';
import { expectRawQueueSubscriptions } from '../../helpers/subscriptions';

const QUEUES = ['Analytics', 'Inventory', 'Notification'] as const;

describe('LabFanout', () => {
  const { template } = synthModule('fanout');

  test('matches the reviewed template', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('has one order-events topic, encrypted with the AWS-managed SNS key', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'order-events',
      KmsMasterKeyId: { 'Fn::Join': ['', Match.arrayWith([':alias/aws/sns'])] },
    });
  });

  test('refuses non-TLS publishes to the topic', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', { Topics: [{ Ref: Match.stringLikeRegexp('^OrderEventsTopic') }], ...tlsOnlyPolicy('sns:Publish') });
  });

  test('has three consumer queues, each with its own dead-letter queue and its subscription\'s', () => {
    template.resourceCountIs('AWS::SQS::Queue', 9);
    for (const name of QUEUES) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderEvents${name}DeadLetterQueue`), 'Arn'] },
          maxReceiveCount: 3,
        },
      });
    }
  });

  test('encrypts every queue with SQS-managed keys and refuses non-TLS requests', () => {
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, KmsMasterKeyId: Match.absent() });
    template.resourceCountIs('AWS::SQS::QueuePolicy', 9);
    template.allResourcesProperties('AWS::SQS::QueuePolicy', tlsOnlyPolicy('sqs:*'));
  });

  test.each(QUEUES)('lets only the topic send to the %s queue (aws:SourceArn)', (name) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp(`^OrderEvents${name}Queue`) }],
      PolicyDocument: { Statement: Match.arrayWith([topicSendStatement(`OrderEvents${name}Queue`, 'OrderEventsTopic')]) },
    });
  });

  test.each(QUEUES)('dead-letters the deliveries SNS gave up on to the %s subscription\'s own queue', (name) => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderEvents${name}Queue`), 'Arn'] },
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderEvents${name}SubscriptionDeadLetterQueue`), 'Arn'] },
      },
    });
  });

  test.each(QUEUES)('lets only the topic send to the %s subscription dead-letter queue, over TLS only', (name) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', topicOnlyQueuePolicy(`OrderEvents${name}SubscriptionDeadLetterQueue`, 'OrderEventsTopic'));
  });

  test('delivers raw order JSON to every queue', () => {
    expectRawQueueSubscriptions(template, 'OrderEventsTopic', 3);
  });

  test('admits only orders of amount >= 100 to the notification queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrderEventsNotificationQueue'), 'Arn'] },
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { amount: [{ numeric: ['>=', 100] }] },
    });
  });

  test.each(['Analytics', 'Inventory'])('delivers every order to the %s queue', (name) => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderEvents${name}Queue`), 'Arn'] },
      FilterPolicy: Match.absent(),
    });
  });

  test('exports every output the lab reads', () => {
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual([...findModule('fanout').outputs].sort());
    template.hasOutput('TopicArn', { Value: { Ref: Match.stringLikeRegexp('^OrderEventsTopic') } });
    for (const name of QUEUES) {
      template.hasOutput(`${name}QueueUrl`, { Value: { Ref: Match.stringLikeRegexp(`^OrderEvents${name}Queue`) } });
      template.hasOutput(`${name}DeadLetterQueueUrl`, { Value: { Ref: Match.stringLikeRegexp(`^OrderEvents${name}DeadLetterQueue`) } });
      template.hasOutput(`${name}SubscriptionDeadLetterQueueUrl`, {
        Value: { Ref: Match.stringLikeRegexp(`^OrderEvents${name}SubscriptionDeadLetterQueue`) },
      });
    }
    template.hasOutput('NotificationMinAmount', { Value: '100' });
  });

  test('takes the notification threshold from context', () => {
    const custom = synthModule('fanout', { notificationMinAmount: '250' }).template;
    custom.hasResourceProperties('AWS::SNS::Subscription', { FilterPolicy: { amount: [{ numeric: ['>=', 250] }] } });
    custom.hasOutput('NotificationMinAmount', { Value: '250' });
  });

  test('leaves nothing behind on destroy', () => {
    expectNothingRetained(template);
  });

  test('has no unacknowledged cdk-nag AwsSolutions findings', () => {
    expectModuleNagClean('fanout');
  });

  test.each([0, -5, Number.NaN])('fails if notificationMinAmount is %p', (notificationMinAmount) => {
    expect(() => new FanoutStack(new App(), 'Bad', { context: () => undefined, notificationMinAmount })).toThrow(
      new RegExp(`notificationMinAmount must be a number greater than 0, but ${notificationMinAmount} was provided`),
    );
  });

  test('fails if the notificationMinAmount context is not a number', () => {
    expect(() => synthModule('fanout', { notificationMinAmount: 'lots' })).toThrow(
      /context value notificationMinAmount must be a number, but 'lots' was provided/,
    );
  });
});
