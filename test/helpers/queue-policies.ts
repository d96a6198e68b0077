import { Match } from 'aws-cdk-lib/assertions';

/** The statement that lets SNS send to the queue only for the topic (aws:SourceArn). Logical ids are prefixes. */
export function topicSendStatement(queueLogicalId: string, topicLogicalId: string): Record<string, unknown> {
  return {
    Action: 'sqs:SendMessage',
    Effect: 'Allow',
    Principal: { Service: 'sns.amazonaws.com' },
    Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queueLogicalId}`), 'Arn'] },
    Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp(`^${topicLogicalId}`) } } },
  };
}

/**
 * The exact queue policy a queue gets when only one topic may send to it: TLS-only for everyone, and
 * sqs:SendMessage for SNS with aws:SourceArn = the topic, nothing else. Logical ids are prefixes.
 */
export function topicOnlyQueuePolicy(queueLogicalId: string, topicLogicalId: string): Record<string, unknown> {
  const queueArn = { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queueLogicalId}`), 'Arn'] };
  return {
    Queues: [{ Ref: Match.stringLikeRegexp(`^${queueLogicalId}`) }],
    PolicyDocument: {
      Statement: [
        { Action: 'sqs:*', Effect: 'Deny', Principal: { AWS: '*' }, Resource: queueArn, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        topicSendStatement(queueLogicalId, topicLogicalId),
      ],
      Version: '2012-10-17',
    },
  };
}
