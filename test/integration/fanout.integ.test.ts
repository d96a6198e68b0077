import { PublishBatchCommand } from '@aws-sdk/client-sns';
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
  for (const output of ['AnalyticsDeadLetterQueueUrl', 'InventoryDeadLetterQueueUrl', 'NotificationDeadLetterQueueUrl']) {
    expect({ output, depth: await queueDepth(clients.sqs, outputs[output]) }).toEqual({ output, depth: 0 });
  }
});
