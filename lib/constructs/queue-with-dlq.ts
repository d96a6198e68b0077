import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { validateRange } from '../validation';

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

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
      // Labs are disposable: dead letters are inspected during the lab, not kept after it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(30),
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      // Labs are disposable: pending messages go with the stack on `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
