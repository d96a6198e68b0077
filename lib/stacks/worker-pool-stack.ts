import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { WorkerPool } from '../constructs/worker-pool';
import { LabStack, type LabStackProps } from './lab-stack';

export interface WorkerPoolStackProps extends LabStackProps {
  /**
   * Number of workers (the SQS event source's maximum concurrency).
   * @default 3
   */
  readonly workerPoolSize?: number;
  /**
   * Deliveries of a task before it is dead-lettered.
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * Worker function timeout in seconds; the visibility timeout is six times this, so a lab can
   * shorten the wait before a crashed worker's task is redelivered.
   * @default 5
   */
  readonly workerTimeoutSeconds?: number;
  /**
   * Tasks per worker invocation.
   * @default 5
   */
  readonly workerBatchSize?: number;
}

/** The CfnOutput keys of LabWorkerPool, read by the lab. */
export const WORKER_POOL_OUTPUTS = [
  'WorkQueueUrl',
  'DeadLetterQueueUrl',
  'LedgerTableName',
  'WorkerFunctionName',
  'WorkerPoolSize',
  'MaxReceiveCount',
  'VisibilityTimeoutSeconds',
  'MaxTaskWorkMs',
] as const;

export type WorkerPoolOutput = (typeof WORKER_POOL_OUTPUTS)[number];

/**
 * Module 8, load balancing: a work queue shared by a pool of Lambda workers; each task is processed
 * by exactly one worker, and the ledger shows which.
 */
export class WorkerPoolStack extends LabStack<WorkerPoolOutput> {
  public readonly pool: WorkerPool;

  constructor(scope: Construct, id: string, props: WorkerPoolStackProps) {
    super(scope, id, props);
    this.pool = new WorkerPool(this, 'WorkerPool', {
      poolSize: props.workerPoolSize,
      maxReceiveCount: props.maxReceiveCount,
      batchSize: props.workerBatchSize,
      ...(props.workerTimeoutSeconds === undefined ? {} : { timeout: Duration.seconds(props.workerTimeoutSeconds) }),
    });

    this.output('WorkQueueUrl', this.pool.queue.queueUrl, 'Queue the lab sends tasks to');
    this.output('DeadLetterQueueUrl', this.pool.deadLetterQueue.queueUrl, 'Tasks that failed maxReceiveCount times');
    this.output('LedgerTableName', this.pool.ledger.tableName, 'Which worker completed which task, after how many deliveries');
    this.output('WorkerFunctionName', this.pool.handler.functionName, 'The worker function');
    this.output('WorkerPoolSize', String(this.pool.poolSize), 'Maximum concurrent workers');
    this.output('MaxReceiveCount', String(this.pool.maxReceiveCount), 'Deliveries before a task is dead-lettered');
    this.output('VisibilityTimeoutSeconds', String(this.pool.visibilityTimeout.toSeconds()), 'Wait before an unfinished task is redelivered');
    this.output('MaxTaskWorkMs', String(this.pool.maxTaskWorkMs), 'Longest workMs a task may ask for');
  }
}
