import type { Construct } from 'constructs';
import { ChangeDataCapture, MAX_STREAM_READERS } from '../constructs/change-data-capture';
import { LabStack, type LabStackProps } from './lab-stack';

export interface CdcStackProps extends LabStackProps {
  /**
   * Changes per invocation of each projector (1 to 10,000).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Retries of a failed batch before its changes go to the failure queue (0 to 10,000).
   * @default 3
   */
  readonly retryAttempts?: number;
}

/** The CfnOutput keys of LabCdc, read by the lab. */
export const CDC_OUTPUTS = [
  'SourceTableName',
  'SourceStreamArn',
  'SearchIndexTableName',
  'CategorySummaryTableName',
  'FailureQueueUrl',
  'StreamReaderLimit',
  'ProjectorRetryAttempts',
] as const;

export type CdcOutput = (typeof CDC_OUTPUTS)[number];

/**
 * DDIA's change data capture: a product catalogue table whose stream keeps two derived views, a
 * search index (term -> product ids) and a category summary (count and total price per category),
 * each through its own projector and mapping. Two is the design point: AWS advises at most two
 * concurrent readers per shard of a DynamoDB stream.
 *
 * Idle cost: $0/h. Tables are on demand, the stream and its Lambda reads are not billed, functions
 * and queues bill per request only.
 */
export class CdcStack extends LabStack<CdcOutput> {
  public readonly changeDataCapture: ChangeDataCapture;

  constructor(scope: Construct, id: string, props: CdcStackProps) {
    super(scope, id, props);
    this.changeDataCapture = new ChangeDataCapture(this, 'ChangeDataCapture', { batchSize: props.batchSize, retryAttempts: props.retryAttempts });
    const searchIndex = this.changeDataCapture.addProjector('SearchIndex', { projector: 'search-index' });
    const categorySummary = this.changeDataCapture.addProjector('CategorySummary', { projector: 'category-summary' });

    const { sourceTable, failureQueue } = this.changeDataCapture;
    this.output('SourceTableName', sourceTable.tableName, 'Product catalogue (id, name, category, priceCents) the lab writes');
    this.output('SourceStreamArn', sourceTable.tableStreamArn ?? '', 'Stream of the catalogue (new and old images) the projectors read');
    this.output('SearchIndexTableName', searchIndex.viewTable.tableName, 'Search index: term#<term> -> product ids, and each product contribution');
    this.output('CategorySummaryTableName', categorySummary.viewTable.tableName, 'Category summary: category#<category> -> products, totalPriceCents');
    this.output('FailureQueueUrl', failureQueue.queueUrl, 'On-failure destination of both projectors (DDBStreamBatchInfo records)');
    this.output('ProjectorRetryAttempts', String(this.changeDataCapture.retryAttempts), 'Retries of a failed batch before its changes go to the failure queue: the longest outage the lab may cause');
    this.output('StreamReaderLimit', String(MAX_STREAM_READERS), 'Concurrent readers per shard AWS advises for a DynamoDB stream');
  }
}
