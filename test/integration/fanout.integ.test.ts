import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, PublishBatchCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { FANOUT_OUTPUTS } from '../../lib/stacks/fanout-stack';
import { queueDepth, receiveAll, useLocalCloud } from './local-cloud';

const cloud = useLocalCloud('fanout', { context: { notificationMinAmount: 50 } });

interface Order {
  readonly orderId: string;
  readonly amount: number;
  readonly items: readonly string[];
}

const byOrderId = (a: Order, b: Order): number => a.orderId.localeCompare(b.orderId);

test('every queue receives exactly the orders its filter admits, as the raw order JSON, and nothing is dead-lettered', async () => {
  // GIVEN orders below, at and above the notification threshold
  const { outputs, clients } = cloud();
  const minAmount = Number(outputs.NotificationMinAmount);
  expect(minAmount).toBe(50);
  const orders: Order[] = [0.5, 10, 49.99, 50, 75, 200, 1000].map((amount, n) => ({
    orderId: `order-${n}`,
    amount,
    items: [`sku-${n}`],
  }));

  // WHEN they are published to the topic
  const { Failed = [] } = await clients.sns.send(
    new PublishBatchCommand({
      TopicArn: outputs.TopicArn,
      PublishBatchRequestEntries: orders.map((order) => ({ Id: order.orderId, Message: JSON.stringify(order) })),
    }),
  );
  expect(Failed).toEqual([]);

  // THEN analytics and inventory get every order, notification only those of at least minAmount,
  // each body being the order itself (raw delivery, no SNS envelope)
  const expected = {
    AnalyticsQueueUrl: orders,
    InventoryQueueUrl: orders,
    NotificationQueueUrl: orders.filter((order) => order.amount >= minAmount),
  };
  expect(expected.NotificationQueueUrl.map((order) => order.amount)).toEqual([50, 75, 200, 1000]);
  for (const [output, admitted] of Object.entries(expected)) {
    const messages = await receiveAll(clients.sqs, outputs[output], admitted.length);
    const received = messages.map((message) => JSON.parse(message.Body ?? '') as Order);
    expect({ output, received: received.sort(byOrderId) }).toEqual({ output, received: [...admitted].sort(byOrderId) });
  }
  // the consumer dead-letter queue and the subscription dead-letter queue of each of the 3 queues
  const deadLetterOutputs = FANOUT_OUTPUTS.filter((key) => key.endsWith('DeadLetterQueueUrl'));
  expect(deadLetterOutputs).toHaveLength(6);
  for (const output of deadLetterOutputs) {
    expect({ output, depth: await queueDepth(clients.sqs, outputs[output]) }).toEqual({ output, depth: 0 });
  }
});

test('each subscription carries its redrive policy to its own subscription dead-letter queue', async () => {
  // GIVEN the provisioned topic and queues
  const { outputs, clients } = cloud();
  const arnOf = async (queueUrl: string | undefined): Promise<string | undefined> =>
    (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;

  // WHEN the topic's subscriptions are read back from the emulator
  const { Subscriptions = [] } = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: outputs.TopicArn }));
  const redrives: Record<string, unknown> = {};
  for (const subscription of Subscriptions) {
    const { Attributes = {} } = await clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }));
    redrives[String(subscription.Endpoint)] = JSON.parse(Attributes.RedrivePolicy ?? 'null');
  }

  // THEN each queue's subscription dead-letters to that queue's subscription dead-letter queue
  const expected: Record<string, unknown> = {};
  for (const name of ['Analytics', 'Inventory', 'Notification']) {
    const endpoint = String(await arnOf(outputs[`${name}QueueUrl`]));
    expected[endpoint] = { deadLetterTargetArn: await arnOf(outputs[`${name}SubscriptionDeadLetterQueueUrl`]) };
  }
  expect(Object.keys(expected)).toHaveLength(3);
  expect(redrives).toEqual(expected);
});
