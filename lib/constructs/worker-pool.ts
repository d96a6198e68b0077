import { Duration, Token } from 'aws-cdk-lib';
import { AttributeType, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { LabFunction } from './lab-function';
import { LabTable } from './lab-table';
import { QueueWithDeadLetterQueue } from './queue-with-dlq';
import { validateRange } from '../validation';

export interface WorkerPoolProps {
  /**
   * Number of workers: the event source's maximum concurrency, i.e. how many execution environments
   * take tasks from the queue at once (2 to 1000; SQS event sources allow no fewer than 2).
   * @default 3
   */
  readonly poolSize?: number;
  /**
   * Deliveries of a task before it moves to the dead-letter queue (2 to 10).
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * Tasks handed to one invocation (1 to 10); a worker processes them one after the other. Small
   * batches spread a short burst over the whole pool (20 tasks reach 3 workers, where batches of 10
   * would leave one idle); large ones save invocations.
   * @default 5
   */
  readonly batchSize?: number;
  /**
   * Maximum run time of one invocation; the queue's visibility timeout is six times this.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
  /**
   * Longest simulated work a task may ask for (`workMs`); longer tasks are rejected as invalid.
   * @default - the longest that lets a full batch finish within `timeout`
   */
  readonly maxTaskWorkMs?: number;
}

/** Time budgeted per invocation besides the tasks (logging, response). */
export const BATCH_OVERHEAD_MS = 500;
/** Time budgeted per task besides its work (the ledger write and its retries under throttling). */
export const TASK_OVERHEAD_MS = 100;
/** SQS visibility timeout per function timeout, as the AWS guidance for SQS event sources asks. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * The load-balancing pattern: one SQS work queue, a pool of `poolSize` Lambda workers that each take
 * one task at a time, a ledger of which execution environment completed which task after how many
 * deliveries, and a dead-letter queue for tasks that keep failing.
 *
 * A worker that dies mid-task leaves its message invisible for the visibility timeout (six times the
 * function timeout), after which another worker gets it. A redelivered task may run its simulated
 * work again, but its recorded effect never repeats: the ledger write is conditional (no completion
 * yet), so whichever delivery completes a task first is the one counted, and a later one is only
 * noted as suppressed. That write is the task's only effect, so no idempotency store is needed.
 */
export class WorkerPool extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly handler: LabFunction;
  public readonly ledger: Table;
  public readonly poolSize: number;
  public readonly maxReceiveCount: number;
  public readonly batchSize: number;
  public readonly maxTaskWorkMs: number;
  public readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: WorkerPoolProps = {}) {
    super(scope, id);
    this.poolSize = props.poolSize ?? 3;
    this.maxReceiveCount = props.maxReceiveCount ?? 3;
    this.batchSize = props.batchSize ?? 5;
    const timeout = props.timeout ?? Duration.seconds(5);
    validateRange('poolSize', this.poolSize, 2, 1000);
    validateRange('maxReceiveCount', this.maxReceiveCount, 2, 10);
    validateRange('batchSize', this.batchSize, 1, 10);
    this.maxTaskWorkMs = taskWorkBudget(timeout, this.batchSize, props.maxTaskWorkMs);
    this.visibilityTimeout = Duration.seconds(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);

    const work = new QueueWithDeadLetterQueue(this, 'Work', {
      maxReceiveCount: this.maxReceiveCount,
      visibilityTimeout: this.visibilityTimeout,
    });
    this.queue = work.queue;
    this.deadLetterQueue = work.deadLetterQueue;

    // The ledger describes one lab run; its records expire by TTL.
    this.ledger = new LabTable(this, 'Ledger', {
      partitionKey: { name: 'taskId', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });

    this.handler = new LabFunction(this, 'Worker', {
      entry: join(__dirname, '..', '..', 'lambda', 'worker-pool', 'handler.ts'),
      timeout,
      serviceName: 'worker-pool',
      environment: {
        LEDGER_TABLE_NAME: this.ledger.tableName,
        MAX_TASK_WORK_MS: String(this.maxTaskWorkMs),
      },
    });
    // The worker's one table call is the conditional UpdateItem of the ledger (lambda/worker-pool/ledger.ts).
    this.ledger.grant(this.handler, 'dynamodb:UpdateItem');
    this.handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: this.batchSize,
        maxConcurrency: this.poolSize,
        reportBatchItemFailures: true,
      }),
    );
  }
}

/**
 * The longest `workMs` a task may ask for so that a full batch, processed one task after the other,
 * ends within the function timeout; a task that could not would be killed mid-batch and redelivered.
 */
function taskWorkBudget(timeout: Duration, batchSize: number, requested: number | undefined): number {
  const timeoutMs = timeout.toMilliseconds();
  if (Token.isUnresolved(timeoutMs)) {
    throw new Error('timeout must be a concrete duration: the task work budget is computed from it');
  }
  const budget = Math.floor((timeoutMs - BATCH_OVERHEAD_MS) / batchSize) - TASK_OVERHEAD_MS;
  if (requested === undefined) {
    if (budget < 1) {
      const neededSeconds = Math.ceil((BATCH_OVERHEAD_MS + batchSize * (TASK_OVERHEAD_MS + 1)) / 1000);
      throw new Error(
        `timeout must be at least ${neededSeconds} seconds for a batch of ${batchSize} tasks, but ${timeout.toSeconds()} seconds was provided`,
      );
    }
    return budget;
  }
  validateRange('maxTaskWorkMs', requested, 0, 900_000);
  if (requested > budget) {
    const neededMs = BATCH_OVERHEAD_MS + batchSize * (requested + TASK_OVERHEAD_MS);
    throw new Error(
      `timeout of ${timeout.toSeconds()} seconds cannot finish a batch of ${batchSize} tasks of maxTaskWorkMs ${requested} ` +
        `(needs at least ${Math.ceil(neededMs / 1000)} seconds): maxTaskWorkMs must be at most ${Math.max(budget, 0)}, ` +
        'or lower batchSize, or raise timeout',
    );
  }
  return requested;
}

