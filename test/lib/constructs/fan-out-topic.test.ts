import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FilterOrPolicy, SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { FanOutTopic } from '../../../lib/constructs/fan-out-topic';
import { topicOnlyQueuePolicy } from '../../helpers/queue-policies';
import { tlsOnlyPolicy } from '../../helpers/tls-only';
import { expectRawQueueSubscriptions } from '../../helpers/subscriptions';
import { topicSendStatement } from '../../helpers/queue-policies';

function synth(build: (fanOut: FanOutTopic) => void): Template {
  const stack = new Stack(new App(), 'FanOutTest');
  build(new FanOutTopic(stack, 'Orders', { displayName: 'orders' }));
  return Template.fromStack(stack);
}

describe('FanOutTopic', () => {
  const template = synth((fanOut) => {
    fanOut.addSubscribedQueue('Plain');
    fanOut.addSubscribedQueue('Big', {
      maxReceiveCount: 4,
      filterPolicyWithMessageBody: { amount: FilterOrPolicy.filter(SubscriptionFilter.numericFilter({ greaterThan: 10 })) },
    });
  });

  test('encrypts the topic with the AWS-managed SNS key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'orders',
      KmsMasterKeyId: { 'Fn::Join': ['', Match.arrayWith([':alias/aws/sns'])] },
    });
  });

  test('refuses non-TLS publishes', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', tlsOnlyPolicy('sns:Publish'));
  });

  test('subscribes each queue with raw message delivery', () => {
    expectRawQueueSubscriptions(template, 'OrdersTopic', 2);
  });

  test('gives every subscribed queue its own dead-letter queue', () => {
    template.resourceCountIs('AWS::SQS::Queue', 6);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersPlainDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersBigDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 4 },
    });
  });

  test.each(['Plain', 'Big'])('lets only this topic send to the %s queue (aws:SourceArn)', (name) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp(`^Orders${name}Queue`) }],
      PolicyDocument: { Statement: Match.arrayWith([topicSendStatement(`Orders${name}Queue`, 'OrdersTopic')]) },
    });
  });

  test.each(['Plain', 'Big'])('dead-letters the deliveries SNS gave up on to the %s subscription\'s own queue', (name) => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Orders${name}Queue`), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Orders${name}SubscriptionDeadLetterQueue`), 'Arn'] } },
    });
  });

  test('encrypts every queue with SSE-SQS, which SNS can deliver to (not the AWS-managed alias/aws/sqs key)', () => {
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, KmsMasterKeyId: Match.absent() });
  });

  test.each(['Plain', 'Big'])('lets only this topic send to the %s subscription dead-letter queue, and only over TLS', (name) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', topicOnlyQueuePolicy(`Orders${name}SubscriptionDeadLetterQueue`, 'OrdersTopic'));
  });

  test('keeps undeliverable messages 14 days unless told otherwise', () => {
    const custom = synth((fanOut) => fanOut.addSubscribedQueue('Short', { deadLetterRetentionPeriod: Duration.days(2) }));
    custom.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 172800 });
    custom.resourcePropertiesCountIs('AWS::SQS::Queue', { MessageRetentionPeriod: 172800 }, 2);
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { MessageRetentionPeriod: 1209600 }, 4);
  });

  test('applies a body filter policy only where one is given', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersBigQueue'), 'Arn'] },
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { amount: [{ numeric: ['>', 10] }] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersPlainQueue'), 'Arn'] },
      FilterPolicy: Match.absent(),
      FilterPolicyScope: Match.absent(),
    });
  });

  test('applies an attribute filter policy', () => {
    const attributes = synth((fanOut) => {
      fanOut.addSubscribedQueue('Eu', { filterPolicy: { region: SubscriptionFilter.stringFilter({ allowlist: ['eu'] }) } });
    });
    attributes.hasResourceProperties('AWS::SNS::Subscription', { FilterPolicy: { region: ['eu'] }, FilterPolicyScope: Match.absent() });
  });

  test('lists its queues in subscription order, each with its subscription dead-letter queue', () => {
    const stack = new Stack(new App(), 'Order');
    const fanOut = new FanOutTopic(stack, 'Orders');
    const a = fanOut.addSubscribedQueue('A');
    const b = fanOut.addSubscribedQueue('B');
    expect(fanOut.queues).toEqual([a, b]);
    expect(a.subscriptionDeadLetterQueue).not.toBe(b.subscriptionDeadLetterQueue);
    expect(a.subscriptionDeadLetterQueue.node.path).toBe('Order/Orders/A/SubscriptionDeadLetterQueue');
  });

  test('fails if a subscription has both filter scopes', () => {
    expect(() =>
      synth((fanOut) =>
        fanOut.addSubscribedQueue('Both', {
          filterPolicy: { region: SubscriptionFilter.stringFilter({ allowlist: ['eu'] }) },
          filterPolicyWithMessageBody: { amount: FilterOrPolicy.filter(SubscriptionFilter.numericFilter({ greaterThan: 1 })) },
        }),
      ),
    ).toThrow(/subscription Both cannot have both filterPolicy and filterPolicyWithMessageBody/);
  });
});
