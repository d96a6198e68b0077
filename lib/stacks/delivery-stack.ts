import { Duration } from 'aws-cdk-lib';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { FanOutTopic } from '../constructs/fan-out-topic';
import { LabFunction } from '../constructs/lab-function';
import { LabTable } from '../constructs/lab-table';
import { DeadEndQueue, QueueWithDeadLetterQueue } from '../constructs/queue-with-dlq';
import { validateRange } from '../validation';
import { LabStack, type LabStackProps } from './lab-stack';

export interface DeliveryStackProps extends LabStackProps {
  /**
   * K: the calls the constrained downstream admits at once, and the buffer path's maximum concurrency.
   * @default 3
   */
  readonly downstreamCapacity?: number;
  /**
   * How long one downstream call (and one ordering message) works, in milliseconds.
   * @default 200
   */
  readonly workMs?: number;
}

/** The CfnOutput keys of LabDelivery, read by the lab. */
export const DELIVERY_OUTPUTS = [
  'AckQueueUrl',
  'AckDeadLetterQueueUrl',
  'EffectsTableName',
  'StandardQueueUrl',
  'StandardDeadLetterQueueUrl',
  'FifoQueueUrl',
  'FifoDeadLetterQueueUrl',
  'ArrivalsTableName',
  'DownstreamTableName',
  'PushTopicArn',
  'PushDeadLetterQueueUrl',
  'BufferTopicArn',
  'BufferQueueUrl',
  'BufferDeadLetterQueueUrl',
  'DownstreamCapacity',
  'WorkMs',
  'VisibilityTimeoutSeconds',
  'MaxReceiveCount',
] as const;

export type DeliveryOutput = (typeof DELIVERY_OUTPUTS)[number];

const LAMBDA_DIR = join(__dirname, '..', '..', 'lambda', 'delivery');
/**
 * The consumers' timeout: 25x their default work (5x the longest `-c deliveryWorkMs`), so a cold
 * environment's first batch (its SDK clients' first calls included) ends well inside it on a busy
 * machine; a batch cut short would come back whole and show as a duplicate or a reordering the lab
 * did not inject.
 */
const FUNCTION_TIMEOUT = Duration.seconds(5);
/**
 * Short, so a crashed delivery comes back within a wait the labs can afford (a poisoned FIFO message
 * blocks its group for MAX_RECEIVE_COUNT of these). Below the 6x-the-timeout AWS suggests for SQS event
 * sources: that margin is for retries of throttled invocations, and every mapping here caps its
 * concurrency (MaximumConcurrency), so an invocation is never started only to be throttled.
 */
const VISIBILITY_TIMEOUT = Duration.seconds(12);
/** Deliveries before a message is dead-lettered: a poisoned message blocks its group for two visibility timeouts. */
const MAX_RECEIVE_COUNT = 2;

/**
 * Week 5 day 3 and DDIA chapter 11: what a broker promises under faults. An ack-mode consumer shows
 * at-most-, at-least- and effectively-once delivery under injected crashes; a standard and a FIFO
 * queue show ordering and deduplication; a downstream that admits K calls at once is reached by push
 * (SNS -> Lambda) and through a buffer (SNS -> SQS -> Lambda with maximum concurrency K).
 */
export class DeliveryStack extends LabStack<DeliveryOutput> {
  public readonly downstreamCapacity: number;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const capacity = props.downstreamCapacity ?? 3;
    const workMs = props.workMs ?? 200;
    // SQS -> Lambda maximum concurrency starts at 2.
    validateRange('downstreamCapacity', capacity, 2, 10);
    validateRange('workMs', workMs, 0, 1_000);
    this.downstreamCapacity = capacity;
    const queueProps = { maxReceiveCount: MAX_RECEIVE_COUNT, visibilityTimeout: VISIBILITY_TIMEOUT };
    const fn = (name: string, file: string, handler: string, environment: Record<string, string>) =>
      new LabFunction(this, name, { entry: join(LAMBDA_DIR, file), handler, timeout: FUNCTION_TIMEOUT, serviceName: 'delivery', environment });

    // The guarantees: one message per batch, so a crash ends that message's delivery alone.
    const ack = new QueueWithDeadLetterQueue(this, 'Ack', { ...queueProps, maxReceiveCount: 3 });
    const effects = new LabTable(this, 'Effects', { partitionKey: { name: 'messageId', type: AttributeType.STRING } });
    const ackConsumer = fn('AckConsumer', 'ack-consumer.ts', 'handler', { EFFECTS_TABLE_NAME: effects.tableName, ACK_QUEUE_URL: ack.queue.queueUrl });
    effects.grant(ackConsumer, 'dynamodb:UpdateItem');
    // At-most-once deletes its message itself, before the effect: the mapping's consume grant includes sqs:DeleteMessage.
    ackConsumer.addEventSource(new SqsEventSource(ack.queue, { batchSize: 1, maxConcurrency: 2, reportBatchItemFailures: true }));

    // Ordering: the same sequences into a standard queue and a FIFO queue, each read by a concurrent pool.
    const arrivals = new LabTable(this, 'Arrivals', { partitionKey: { name: 'groupKey', type: AttributeType.STRING } });
    const standard = new QueueWithDeadLetterQueue(this, 'Standard', queueProps);
    const fifo = new QueueWithDeadLetterQueue(this, 'Fifo', { ...queueProps, fifo: true });
    const orderingEnv = { ARRIVALS_TABLE_NAME: arrivals.tableName, WORK_MS: String(Math.min(workMs, 50)) };
    const standardConsumer = fn('StandardConsumer', 'ordering-consumer.ts', 'standardHandler', orderingEnv);
    const fifoConsumer = fn('FifoConsumer', 'ordering-consumer.ts', 'fifoHandler', orderingEnv);
    // The FIFO pool takes one message per batch: in a larger batch a poisoned message's group-mates come
    // back with it on every failure and count receives towards maxReceiveCount, so they would be
    // dead-lettered with it. One per batch, SQS hides the rest of the group while the poison is in
    // flight: only the poison is received (and dead-lettered), and its group resumes after it.
    for (const [consumer, queue, batchSize] of [
      [standardConsumer, standard.queue, 5],
      [fifoConsumer, fifo.queue, 1],
    ] as const) {
      arrivals.grant(consumer, 'dynamodb:UpdateItem');
      consumer.addEventSource(new SqsEventSource(queue, { batchSize, maxConcurrency: 5, reportBatchItemFailures: true }));
    }

    // The constrained downstream and its two paths.
    const downstream = new LabTable(this, 'Downstream', { partitionKey: { name: 'name', type: AttributeType.STRING } });
    const downstreamEnv = { DOWNSTREAM_TABLE_NAME: downstream.tableName, DOWNSTREAM_CAPACITY: String(capacity), WORK_MS: String(workMs) };
    const pushDeadLetterQueue = new DeadEndQueue(this, 'PushDeadLetterQueue', {
      deadEndOf: "the push function's DeadLetterConfig target for asynchronous invocations that failed every retry",
    });
    const push = new FanOutTopic(this, 'Push');
    const pushConsumer = new LabFunction(this, 'PushConsumer', {
      entry: join(LAMBDA_DIR, 'downstream.ts'),
      handler: 'pushHandler',
      timeout: FUNCTION_TIMEOUT,
      serviceName: 'delivery',
      environment: downstreamEnv,
      retryAttempts: 2,
      deadLetterQueue: pushDeadLetterQueue,
    });
    push.topic.addSubscription(new LambdaSubscription(pushConsumer));
    const buffer = new FanOutTopic(this, 'Buffer');
    const bufferQueue = buffer.addSubscribedQueue('BufferQueue', { ...queueProps, maxReceiveCount: 10 });
    const bufferConsumer = fn('BufferConsumer', 'downstream.ts', 'bufferHandler', downstreamEnv);
    bufferConsumer.addEventSource(new SqsEventSource(bufferQueue.queue, { batchSize: 1, maxConcurrency: capacity, reportBatchItemFailures: true }));
    for (const consumer of [pushConsumer, bufferConsumer]) downstream.grant(consumer, 'dynamodb:UpdateItem');

    this.output('AckQueueUrl', ack.queue.queueUrl, 'Queue of the ack-mode consumer (guarantees lab)');
    this.output('AckDeadLetterQueueUrl', ack.deadLetterQueue.queueUrl, 'Messages the ack-mode consumer failed 3 times');
    this.output('EffectsTableName', effects.tableName, 'Effect counter per business message id');
    this.output('StandardQueueUrl', standard.queue.queueUrl, 'Standard queue of the ordering lab');
    this.output('StandardDeadLetterQueueUrl', standard.deadLetterQueue.queueUrl, 'Poisoned messages of the standard queue');
    this.output('FifoQueueUrl', fifo.queue.queueUrl, 'FIFO queue (message groups, explicit deduplication ids)');
    this.output('FifoDeadLetterQueueUrl', fifo.deadLetterQueue.queueUrl, 'Poisoned messages of the FIFO queue');
    this.output('ArrivalsTableName', arrivals.tableName, 'The order each group was processed in, per queue');
    this.output('DownstreamTableName', downstream.tableName, "The downstream's semaphore and its completed calls");
    this.output('PushTopicArn', push.topic.topicArn, 'Push path: SNS invokes the downstream function once per message');
    this.output('PushDeadLetterQueueUrl', pushDeadLetterQueue.queueUrl, 'Push invocations that failed every asynchronous retry');
    this.output('BufferTopicArn', buffer.topic.topicArn, 'Buffer path: SNS -> SQS -> Lambda at maximum concurrency K');
    this.output('BufferQueueUrl', bufferQueue.queue.queueUrl, 'The buffer queue');
    this.output('BufferDeadLetterQueueUrl', bufferQueue.deadLetterQueue.queueUrl, 'Buffered messages refused 10 times');
    this.output('DownstreamCapacity', String(capacity), 'K: calls the downstream admits at once');
    this.output('WorkMs', String(workMs), 'How long one downstream call works');
    this.output('VisibilityTimeoutSeconds', String(VISIBILITY_TIMEOUT.toSeconds()), 'Wait before an unacknowledged message is redelivered');
    this.output('MaxReceiveCount', String(MAX_RECEIVE_COUNT), 'Receives of an ordering-lab message before its queue dead-letters it');
  }
}
