import { Match } from 'aws-cdk-lib/assertions';

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
        {
          Action: 'sqs:SendMessage',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Resource: queueArn,
          Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp(`^${topicLogicalId}`) } } },
        },
      ],
      Version: '2012-10-17',
    },
  };
}
