import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { validateRange } from '../validation';

export interface DeadEndQueueProps {
  /**
   * How long messages are kept, for a student to inspect (1 min to 14 days).
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
  /**
   * What fills this queue when it is not another queue's redrive target (a function's dead-letter
   * config, an event source's on-failure destination): cdk-nag cannot see that, so its
   * AwsSolutions-SQS3 finding (no dead-letter queue) is acknowledged with this as the reason.
   * @default - the queue is a redrive target, which cdk-nag recognises
   */
  readonly deadEndOf?: string;
  /**
   * A FIFO queue (the dead end of a FIFO queue must be FIFO too).
   * @default false
   */
  readonly fifo?: boolean;
}

/**
 * Where messages that failed end up: SSE-SQS, TLS only, kept 14 days, and nothing consumes it that
 * could fail again (so it has no dead-letter queue of its own).
 */
export class DeadEndQueue extends Queue {
  constructor(scope: Construct, id: string, props: DeadEndQueueProps = {}) {
    super(scope, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      ...(props.fifo === true ? { fifo: true } : {}),
      // Labs are disposable: dead letters are inspected during the lab, not kept after it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (props.deadEndOf !== undefined) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is itself the dead end: ${props.deadEndOf}.`,
      });
    }
  }
}

export interface QueueWithDeadLetterQueueProps {
  /**
   * Deliveries of one message before it moves to the dead-letter queue (1 to 1000).
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * How long a received message stays invisible to other consumers.
   * @default Duration.seconds(30)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How long messages are kept in the queue (1 min to 14 days).
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long dead-lettered messages are kept, for a student to inspect (1 min to 14 days).
   * @default Duration.days(14)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * FIFO queues, with content-based deduplication off: every producer names its deduplication ids.
   * @default false
   */
  readonly fifo?: boolean;
}

/**
 * An SQS queue with its own dead-letter queue: both encrypted with SQS-managed keys (SSE-SQS works
 * with SNS delivery, unlike the AWS-managed `alias/aws/sqs` KMS key) and both refusing non-TLS requests.
 */
export class QueueWithDeadLetterQueue extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: QueueWithDeadLetterQueueProps = {}) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 3;
    validateRange('maxReceiveCount', maxReceiveCount, 1, 1000);
    this.maxReceiveCount = maxReceiveCount;

    this.deadLetterQueue = new DeadEndQueue(this, 'DeadLetterQueue', { retentionPeriod: props.deadLetterRetentionPeriod, fifo: props.fifo });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(30),
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      ...(props.fifo === true ? { fifo: true, contentBasedDeduplication: false } : {}),
      // Labs are disposable: pending messages go with the stack on `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
