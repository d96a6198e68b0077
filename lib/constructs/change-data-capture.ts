import { Duration, Validations } from 'aws-cdk-lib';
import { AttributeType, StreamViewType } from 'aws-cdk-lib/aws-dynamodb';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { LabFunction } from './lab-function';
import { LabTable } from './lab-table';
import { DeadEndQueue } from './queue-with-dlq';
import { validateRange } from '../validation';

const HANDLER_ENTRY = join(__dirname, '..', '..', 'lambda', 'cdc', 'handler.ts');

/**
 * AWS advises at most two concurrent readers per shard of a DynamoDB stream (more are throttled);
 * Kinesis enhanced fan-out gives each of up to 20 consumers its own throughput instead.
 */
export const MAX_STREAM_READERS = 2;

export interface ChangeDataCaptureProps {
  /**
   * Records per invocation of each projector (1 to 10,000).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Retries of a failed batch before its records go to the failure queue (0 to 10,000).
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Age after which a change is sent to the failure queue instead of being applied (60 s to 7 days).
   * @default Duration.hours(1)
   */
  readonly maxRecordAge?: Duration;
}

export interface ProjectorOptions {
  /** PROJECTOR the handler is given: which view it keeps (lambda/cdc/projectors.ts), e.g. `search-index`. */
  readonly projector: string;
}

/** One derived view kept from the source table's stream. */
export interface Projection {
  /** The projector it runs (PROJECTOR). */
  readonly projector: string;
  readonly handler: LabFunction;
  readonly viewTable: LabTable;
}

/**
 * Change data capture: a source table whose stream (new and old images) feeds projector functions,
 * each keeping a derived view in its own table through its own event-source mapping (from
 * TRIM_HORIZON, bisect on error, bounded retries and record age, partial batch responses, failures
 * to one queue). At most two projectors: the stream's reader limit (MAX_STREAM_READERS).
 */
export class ChangeDataCapture extends Construct {
  public readonly sourceTable: LabTable;
  /** On-failure destination of every projector's mapping. */
  public readonly failureQueue: DeadEndQueue;
  public readonly projections = new Map<string, Projection>();
  private readonly batchSize: number;
  /** Retries of a failed batch in every projector's mapping. */
  public readonly retryAttempts: number;
  private readonly maxRecordAge: Duration;

  constructor(scope: Construct, id: string, props: ChangeDataCaptureProps = {}) {
    super(scope, id);
    this.batchSize = props.batchSize ?? 10;
    this.retryAttempts = props.retryAttempts ?? 3;
    this.maxRecordAge = props.maxRecordAge ?? Duration.hours(1);
    validateRange('batchSize', this.batchSize, 1, 10_000);
    validateRange('retryAttempts', this.retryAttempts, 0, 10_000);
    validateRange('maxRecordAge (seconds)', this.maxRecordAge.toSeconds(), 60, 604_800);

    this.sourceTable = new LabTable(this, 'SourceTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    this.failureQueue = new DeadEndQueue(this, 'FailureQueue', {
      deadEndOf: 'the on-failure destination of the projectors, read by the lab, not consumed by a function that could fail',
    });
  }

  /** Adds a projector with its own view table and mapping on the source stream; `id` (PascalCase) prefixes their construct ids. */
  addProjector(id: string, options: ProjectorOptions): Projection {
    const name = options.projector;
    if (this.projections.size >= MAX_STREAM_READERS) {
      throw new Error(
        `a DynamoDB stream takes at most ${MAX_STREAM_READERS} projectors (its concurrent readers per shard), but '${name}' would be number ${this.projections.size + 1}: stream the table to Kinesis Data Streams for more readers, or let one projector fan the changes out`,
      );
    }
    const viewTable = new LabTable(this, `${id}Table`, {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
    });
    const handler = new LabFunction(this, `${id}Projector`, {
      entry: HANDLER_ENTRY,
      serviceName: `cdc-${name}`,
      environment: { PROJECTOR: options.projector, VIEW_TABLE_NAME: viewTable.tableName },
    });
    // What the view store's GetItem and TransactWriteItems (Put, Update, Delete) call, nothing more.
    viewTable.grant(handler, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    handler.addEventSource(
      new DynamoEventSource(this.sourceTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: this.batchSize,
        bisectBatchOnError: true,
        retryAttempts: this.retryAttempts,
        maxRecordAge: this.maxRecordAge,
        onFailure: new SqsDlq(this.failureQueue),
        reportBatchItemFailures: true,
      }),
    );
    // The event source's grant lands in the role's policy, so the acknowledgement goes on the role.
    Validations.of(handler.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Added by DynamoEventSource for dynamodb:ListStreams, an action that takes no resource but *; the stream reads are limited to the source stream.',
    });
    const projection = { projector: name, handler, viewTable };
    this.projections.set(name, projection);
    return projection;
  }
}
