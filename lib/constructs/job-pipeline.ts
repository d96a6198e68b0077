import { Duration, Token } from 'aws-cdk-lib';
import { AttributeType, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { LabFunction } from './lab-function';
import { grantPublishToManagedKeyTopic } from './publish-grant';
import { DeadEndQueue } from './queue-with-dlq';
import { LabTable } from './lab-table';
import { validateRange } from '../validation';

export interface JobPipelineProps {
  /**
   * Largest `rangeEnd` a job request may ask for (1 to 100,000,000): bounds the work of one job,
   * whose subtasks all count primes below it.
   * @default 10_000_000
   */
  readonly maxRangeEnd?: number;
  /**
   * Retries of a failed subtask invocation after the first attempt (0 to 2, Lambda's limit for
   * asynchronous invocations), after which the event goes to the dead-letter queue.
   * @default 2 (three attempts, as SNS-invoked functions get by default)
   */
  readonly workerRetryAttempts?: number;
  /**
   * Run time allowed to one subtask.
   * @default Duration.seconds(30)
   */
  readonly workerTimeout?: Duration;
  /**
   * How long job and result items live before DynamoDB's TTL removes them (1 hour to 30 days).
   * @default Duration.days(1)
   */
  readonly jobRetention?: Duration;
}

const MAX_RANGE_END_LIMIT = 100_000_000;

/**
 * Fan-out / fan-in: a ventilator function gives a job a GUID, splits it into subtasks and publishes
 * them to an SNS topic; SNS invokes the worker function once per subtask; each worker records its
 * result and counts it in the job exactly once, and the worker that completes the last subtask
 * finalizes the job. Failing subtasks are retried, then dead-lettered.
 *
 * The ventilator is the one step whose repetition nothing downstream would catch: a retried job
 * request would start a second job and publish every subtask again. Each request carries a client
 * token (`requestId`), and Powertools idempotency on `idempotencyTable` answers a repeat with the job
 * already started. The workers need no such table: their fan-in writes are conditional.
 */
export class JobPipeline extends Construct {
  public readonly ventilator: LabFunction;
  public readonly worker: LabFunction;
  public readonly topic: Topic;
  public readonly deadLetterQueue: Queue;
  public readonly jobsTable: Table;
  public readonly resultsTable: Table;
  public readonly idempotencyTable: Table;

  constructor(scope: Construct, id: string, props: JobPipelineProps = {}) {
    super(scope, id);
    const maxRangeEnd = props.maxRangeEnd ?? 10_000_000;
    validateRange('maxRangeEnd', maxRangeEnd, 1, MAX_RANGE_END_LIMIT);
    const workerRetryAttempts = props.workerRetryAttempts ?? 2;
    validateRange('workerRetryAttempts', workerRetryAttempts, 0, 2);
    const jobRetention = props.jobRetention ?? Duration.days(1);
    if (!Token.isUnresolved(jobRetention.toSeconds())) {
      validateRange('jobRetention (hours)', jobRetention.toHours({ integral: false }), 1, 720, { integer: false });
    }

    // Jobs and results expire by TTL once the lab has looked at them.
    this.jobsTable = new LabTable(this, 'JobsTable', {
      partitionKey: { name: 'jobId', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    this.resultsTable = new LabTable(this, 'ResultsTable', {
      partitionKey: { name: 'jobId', type: AttributeType.STRING },
      sortKey: { name: 'subtaskId', type: AttributeType.NUMBER },
      timeToLiveAttribute: 'expiresAt',
    });
    // Key and TTL attribute names are the ones Powertools idempotency expects by default; a request's
    // record only matters while its job lives.
    this.idempotencyTable = new LabTable(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
    });
    this.topic = new Topic(this, 'SubtaskTopic', {
      // SNS-managed key: SNS -> Lambda delivery needs no key policy, unlike SNS -> SQS.
      masterKey: Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
      enforceSSL: true,
    });

    this.deadLetterQueue = new DeadEndQueue(this, 'DeadLetterQueue', {
      deadEndOf: "the worker function's DeadLetterConfig target for failed asynchronous invocations",
    });

    const ttlSeconds = String(jobRetention.toSeconds());
    this.ventilator = new LabFunction(this, 'Ventilator', {
      entry: join(__dirname, '..', '..', 'lambda', 'pipeline', 'ventilator.ts'),
      // Up to 100 PublishBatch calls for 1000 subtasks, one after another.
      timeout: Duration.seconds(30),
      environment: {
        JOBS_TABLE_NAME: this.jobsTable.tableName,
        SUBTASK_TOPIC_ARN: this.topic.topicArn,
        MAX_RANGE_END: String(maxRangeEnd),
        JOB_TTL_SECONDS: ttlSeconds,
        IDEMPOTENCY_TABLE_NAME: this.idempotencyTable.tableName,
      },
    });
    this.worker = new LabFunction(this, 'Worker', {
      entry: join(__dirname, '..', '..', 'lambda', 'pipeline', 'worker.ts'),
      timeout: props.workerTimeout ?? Duration.seconds(30),
      retryAttempts: workerRetryAttempts,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        JOBS_TABLE_NAME: this.jobsTable.tableName,
        RESULTS_TABLE_NAME: this.resultsTable.tableName,
        JOB_TTL_SECONDS: ttlSeconds,
      },
    });
    // One invocation per message: the parallelism of the fan-out stage.
    this.topic.addSubscription(new LambdaSubscription(this.worker));

    grantPublishToManagedKeyTopic(this.topic, this.ventilator);
    // Only the calls each function makes (lambda/pipeline/store.ts): the ventilator puts a job item, the
    // worker's fan-in transaction puts a result and updates its job, and its finalize updates the job.
    // A transaction needs no action of its own, only those of its items.
    this.jobsTable.grant(this.ventilator, 'dynamodb:PutItem');
    // What Powertools idempotency's DynamoDB persistence layer calls.
    this.idempotencyTable.grant(this.ventilator, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    this.jobsTable.grant(this.worker, 'dynamodb:UpdateItem');
    this.resultsTable.grant(this.worker, 'dynamodb:PutItem');

  }
}

