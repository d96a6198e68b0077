import { Match } from 'aws-cdk-lib/assertions';

/**
 * The part of a queue or topic policy that refuses every request made without TLS (`enforceSSL`), as
 * properties to match; spread it next to `Queues` or `Topics` to name the resource.
 */
export function tlsOnlyPolicy(action: 'sqs:*' | 'sns:Publish'): Record<string, unknown> {
  return {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: action, Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    },
  };
}
