import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic, type FilterOrPolicy, type SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { QueueWithDeadLetterQueue, type QueueWithDeadLetterQueueProps } from './queue-with-dlq';

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
 * An SNS topic that fans each published message out to SQS queues, one per independent consumer.
 *
 * The topic is encrypted with the AWS-managed `alias/aws/sns` key (no customer-key cost) and refuses
 * non-TLS requests. Each subscribed queue has its own dead-letter queue, receives the message body
 * as published (raw delivery: consumers read the order JSON, not an SNS envelope), and its queue
 * policy lets only this topic send to it.
 */
export class FanOutTopic extends Construct {
  public readonly topic: Topic;
  private readonly subscribed: QueueWithDeadLetterQueue[] = [];

  constructor(scope: Construct, id: string, props: FanOutTopicProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: Alias.fromAliasName(this, 'AwsManagedSnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
  }

  /** The queues subscribed so far, in subscription order. */
  public get queues(): readonly QueueWithDeadLetterQueue[] {
    return [...this.subscribed];
  }

  /**
   * Creates a queue with its dead-letter queue and subscribes it to the topic. The queue must not use
   * the AWS-managed `alias/aws/sqs` key (SNS cannot use it); QueueWithDeadLetterQueue uses SSE-SQS.
   */
  public addSubscribedQueue(id: string, options: SubscribedQueueOptions = {}): QueueWithDeadLetterQueue {
    const { filterPolicyWithMessageBody, filterPolicy, ...queueProps } = options;
    if (filterPolicyWithMessageBody && filterPolicy) {
      throw new Error(`subscription ${id} cannot have both filterPolicy and filterPolicyWithMessageBody: SNS applies one filter scope per subscription`);
    }
    const queue = new QueueWithDeadLetterQueue(this, id, queueProps);
    // SqsSubscription writes the queue policy: sns.amazonaws.com may send only with aws:SourceArn = this topic.
    this.topic.addSubscription(
      new SqsSubscription(queue.queue, {
        rawMessageDelivery: true,
        ...(filterPolicyWithMessageBody ? { filterPolicyWithMessageBody } : {}),
        ...(filterPolicy ? { filterPolicy } : {}),
      }),
    );
    this.subscribed.push(queue);
    return queue;
  }
}
