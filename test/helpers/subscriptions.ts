import { Match, type Template } from 'aws-cdk-lib/assertions';

/** Asserts exactly `count` SNS subscriptions, every one an SQS queue of the topic with raw message delivery. */
export function expectRawQueueSubscriptions(template: Template, topicLogicalId: string, count: number): void {
  template.resourceCountIs('AWS::SNS::Subscription', count);
  template.allResourcesProperties('AWS::SNS::Subscription', {
    Protocol: 'sqs',
    RawMessageDelivery: true,
    TopicArn: { Ref: Match.stringLikeRegexp(`^${topicLogicalId}`) },
  });
}
