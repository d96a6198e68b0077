import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic, type FilterOrPolicy, type SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DeadEndQueue, QueueWithDeadLetterQueue, type QueueWithDeadLetterQueueProps } from './queue-with-dlq';

export interface FanOutTopicProps {
  /**
   * Human-readable name shown in the console and in e-mail subjects; not a physical name.
   * @default - none
   */
  readonly displayName?: string;
}

export interface SubscribedQueueOptions extends QueueWithDeadLetterQueueProps {
  /**
   * Filter on the message body: only messages whose JSON body matches reach the queue.
   * @default - every message (unless `filterPolicy` is given)
   */
  readonly filterPolicyWithMessageBody?: { [attribute: string]: FilterOrPolicy };
  /**
   * Filter on the message attributes.
   * @default - every message (unless `filterPolicyWithMessageBody` is given)
   */
  readonly filterPolicy?: { [attribute: string]: SubscriptionFilter };
}

/**
 * A queue subscribed to a topic, with two dead ends: `deadLetterQueue` holds messages its consumer
 * failed `maxReceiveCount` times; `subscriptionDeadLetterQueue` holds messages SNS could not deliver
 * to the queue at all (queue deleted, policy or key denying SNS) after its delivery retries.
 */
export class SubscribedQueue extends QueueWithDeadLetterQueue {
  public readonly subscriptionDeadLetterQueue: DeadEndQueue;

  constructor(scope: Construct, id: string, props: QueueWithDeadLetterQueueProps = {}) {
    super(scope, id, props);
    this.subscriptionDeadLetterQueue = new DeadEndQueue(this, 'SubscriptionDeadLetterQueue', {
      retentionPeriod: props.deadLetterRetentionPeriod,
      deadEndOf: 'SNS sends the deliveries it gave up on here, through the subscription\'s redrive policy',
    });
  }
}

/**
 * An SNS topic that fans each published message out to SQS queues, one per independent consumer.
 *
 * The topic is encrypted with the AWS-managed `alias/aws/sns` key (no customer-key cost) and refuses
 * non-TLS requests. Each subscribed queue has its own dead-letter queue, receives the message body
 * as published (raw delivery: consumers read the order JSON, not an SNS envelope), and its queue
 * policy lets only this topic send to it. Each subscription has its own dead-letter queue too, for
 * the deliveries SNS gave up on, which likewise only this topic may send to.
 */
export class FanOutTopic extends Construct {
  public readonly topic: Topic;
  private readonly subscribed: SubscribedQueue[] = [];

  constructor(scope: Construct, id: string, props: FanOutTopicProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: Alias.fromAliasName(this, 'AwsManagedSnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
  }

  /** The queues subscribed so far, in subscription order. */
  public get queues(): readonly SubscribedQueue[] {
    return [...this.subscribed];
  }

  /**
   * Creates a queue with its dead-letter queues and subscribes it to the topic. No queue SNS sends to
   * may use the AWS-managed `alias/aws/sqs` key (SNS cannot use it): all three use SSE-SQS.
   */
  public addSubscribedQueue(id: string, options: SubscribedQueueOptions = {}): SubscribedQueue {
    const { filterPolicyWithMessageBody, filterPolicy, ...queueProps } = options;
    if (filterPolicyWithMessageBody && filterPolicy) {
      throw new Error(`subscription ${id} cannot have both filterPolicy and filterPolicyWithMessageBody: SNS applies one filter scope per subscription`);
    }
    const queue = new SubscribedQueue(this, id, queueProps);
    // SqsSubscription writes both queue policies (the queue's and the subscription dead-letter
    // queue's): sns.amazonaws.com may send only with aws:SourceArn = this topic.
    this.topic.addSubscription(
      new SqsSubscription(queue.queue, {
        rawMessageDelivery: true,
        deadLetterQueue: queue.subscriptionDeadLetterQueue,
        ...(filterPolicyWithMessageBody ? { filterPolicyWithMessageBody } : {}),
        ...(filterPolicy ? { filterPolicy } : {}),
      }),
    );
    this.subscribed.push(queue);
    return queue;
  }
}
