import { Token } from 'aws-cdk-lib';
import { FilterOrPolicy, SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { FanOutTopic } from '../constructs/fan-out-topic';
import { LabStack, type LabStackProps } from './lab-stack';

export interface FanoutStackProps extends LabStackProps {
  /**
   * Smallest order amount that reaches the notification queue (the filter-policy demo).
   * @default 100
   */
  readonly notificationMinAmount?: number;
}

/** The CfnOutput keys of LabFanout, read by the lab. */
export const FANOUT_OUTPUTS = [
  'TopicArn',
  'AnalyticsQueueUrl',
  'InventoryQueueUrl',
  'NotificationQueueUrl',
  'AnalyticsDeadLetterQueueUrl',
  'InventoryDeadLetterQueueUrl',
  'NotificationDeadLetterQueueUrl',
  'AnalyticsSubscriptionDeadLetterQueueUrl',
  'InventorySubscriptionDeadLetterQueueUrl',
  'NotificationSubscriptionDeadLetterQueueUrl',
  'NotificationMinAmount',
] as const;

export type FanoutOutput = (typeof FANOUT_OUTPUTS)[number];

/**
 * Module 8, fan-out: one order event published to an SNS topic reaches three independent consumers'
 * queues (analytics, inventory, notification). Notification subscribes with a message-body filter,
 * so only orders of at least `notificationMinAmount` reach it. SNS retries a delivery it cannot make
 * and then dead-letters it: each subscription's dead-letter queue is where, and the lab reads its depth.
 */
export class FanoutStack extends LabStack<FanoutOutput> {
  public readonly orderEvents: FanOutTopic;

  constructor(scope: Construct, id: string, props: FanoutStackProps) {
    super(scope, id, props);
    const notificationMinAmount = props.notificationMinAmount ?? 100;
    if (!Token.isUnresolved(notificationMinAmount) && !(Number.isFinite(notificationMinAmount) && notificationMinAmount > 0)) {
      throw new Error(`notificationMinAmount must be a number greater than 0, but ${notificationMinAmount} was provided`);
    }

    this.orderEvents = new FanOutTopic(this, 'OrderEvents', { displayName: 'order-events' });
    const analytics = this.orderEvents.addSubscribedQueue('Analytics');
    const inventory = this.orderEvents.addSubscribedQueue('Inventory');
    const notification = this.orderEvents.addSubscribedQueue('Notification', {
      filterPolicyWithMessageBody: {
        amount: FilterOrPolicy.filter(SubscriptionFilter.numericFilter({ greaterThanOrEqualTo: notificationMinAmount })),
      },
    });

    this.output('TopicArn', this.orderEvents.topic.topicArn, 'Order-events topic the lab publishes to');
    this.output('AnalyticsQueueUrl', analytics.queue.queueUrl, 'Analytics consumer queue (every order)');
    this.output('InventoryQueueUrl', inventory.queue.queueUrl, 'Inventory consumer queue (every order)');
    this.output('NotificationQueueUrl', notification.queue.queueUrl, 'Notification consumer queue (filtered by amount)');
    this.output('AnalyticsDeadLetterQueueUrl', analytics.deadLetterQueue.queueUrl, 'Dead-letter queue of the analytics queue');
    this.output('InventoryDeadLetterQueueUrl', inventory.deadLetterQueue.queueUrl, 'Dead-letter queue of the inventory queue');
    this.output('NotificationDeadLetterQueueUrl', notification.deadLetterQueue.queueUrl, 'Dead-letter queue of the notification queue');
    this.output('AnalyticsSubscriptionDeadLetterQueueUrl', analytics.subscriptionDeadLetterQueue.queueUrl, 'Deliveries to the analytics queue that SNS gave up on');
    this.output('InventorySubscriptionDeadLetterQueueUrl', inventory.subscriptionDeadLetterQueue.queueUrl, 'Deliveries to the inventory queue that SNS gave up on');
    this.output('NotificationSubscriptionDeadLetterQueueUrl', notification.subscriptionDeadLetterQueue.queueUrl, 'Deliveries to the notification queue that SNS gave up on');
    this.output('NotificationMinAmount', String(notificationMinAmount), 'Smallest order amount delivered to the notification queue');
  }
}
