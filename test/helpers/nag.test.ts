import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { expectNoUnacknowledgedNagFindings, nagFindings } from './nag';

/** A queue that breaks AwsSolutions-SQS4 (no TLS-only policy) and nothing else once SQS3 is acknowledged. */
function appWithPlainQueue(acknowledgeTls: boolean): App {
  const app = new App();
  const stack = new Stack(app, 'NagProbe');
  const queue = new Queue(stack, 'PlainQueue', { encryption: QueueEncryption.SQS_MANAGED });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'probe queue: a dead-letter queue is not the point of this test' });
  if (acknowledgeTls) {
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS4', reason: 'probe queue: shows that an acknowledgement silences its rule' });
  }
  return app;
}

describe('nag helper', () => {
  test('reports a queue without SSL enforcement with rule id, path and message', () => {
    // GIVEN
    const app = appWithPlainQueue(false);
    // WHEN
    const findings = nagFindings(app);
    // THEN
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: 'AwsSolutions-SQS4',
        path: 'NagProbe/PlainQueue/Resource',
        message: expect.stringMatching(/SSL/),
      }),
    ]);
  });

  test('fails the test, listing the finding, when one is unacknowledged', () => {
    expect(() => expectNoUnacknowledgedNagFindings(appWithPlainQueue(false))).toThrow(
      /1 unacknowledged validation finding.*\n.*AwsSolutions-SQS4 at NagProbe\/PlainQueue\/Resource: The SQS queue does not require requests to use SSL/,
    );
  });

  test('passes once the finding is acknowledged with a reason', () => {
    expect(() => expectNoUnacknowledgedNagFindings(appWithPlainQueue(true))).not.toThrow();
  });
});
