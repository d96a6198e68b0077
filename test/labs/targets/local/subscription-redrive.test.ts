import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { ResourceInput, ServiceClients } from '../../../../labs/targets/local/provisioner/resource-provisioner';
import { createSubscription } from '../../../../labs/targets/local/provisioner/messaging';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:orders';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:analytics';
const DEAD_LETTERS = 'arn:aws:sqs:us-east-1:000000000000:analytics-subscription-dlq';

function subscription(redrivePolicy: unknown): ResourceInput {
  return {
    logicalId: 'AnalyticsSubscription',
    type: 'AWS::SNS::Subscription',
    properties: { TopicArn: TOPIC, Protocol: 'sqs', Endpoint: QUEUE, RawMessageDelivery: true, RedrivePolicy: redrivePolicy },
    metadata: {},
    stackName: 'LabFanout',
    assemblyDir: '/nonexistent',
    pseudo: { region: 'us-east-1', accountId: '000000000000', partition: 'aws', stackName: 'LabFanout', stackId: 'id', urlSuffix: 'amazonaws.com' },
    clients: { sns: new SNSClient({ region: 'us-east-1' }) } as unknown as ServiceClients,
    state: { functions: new Map(), eventSources: [], queueUrlsByArn: { [QUEUE]: 'http://q/analytics', [DEAD_LETTERS]: 'http://q/dlq' } },
    log: () => undefined,
  };
}

beforeEach(() => {
  sns.reset();
  sns.on(SubscribeCommand).resolves({ SubscriptionArn: `${TOPIC}:sub-1` });
});

test('subscribes with the redrive policy to the stack\'s subscription dead-letter queue', async () => {
  await createSubscription(subscription({ deadLetterTargetArn: DEAD_LETTERS }));
  expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
    Endpoint: QUEUE,
    Attributes: { RawMessageDelivery: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DEAD_LETTERS }) },
  });
});

test('fails if the redrive policy names a queue the stack does not have', async () => {
  await expect(createSubscription(subscription({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:elsewhere' }))).rejects.toThrow(
    /^cannot provision AWS::SNS::Subscription \(AnalyticsSubscription\): its RedrivePolicy deadLetterTargetArn "arn:aws:sqs:us-east-1:000000000000:elsewhere" is not a queue of this stack/,
  );
  expect(sns).not.toHaveReceivedCommand(SubscribeCommand);
});
