import { ConditionalCheckFailedException, TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { classifyCancellation, type FanInPort, type FinalizeOutcome, type FinalizeRequest, type RecordOutcome, type SubtaskResult } from './core';
import type { JobItem } from './ventilator-core';

export interface PipelineTables {
  readonly jobsTableName: string;
  readonly resultsTableName: string;
  /** Lifetime of result items (TTL attribute `expiresAt`), as for the job item. */
  readonly ttlSeconds: number;
}

/** Writes the job item; a job id is a fresh GUID, so an existing item would be a bug, not a retry. */
export async function putJob(client: DynamoDBDocumentClient, jobsTableName: string, job: JobItem): Promise<void> {
  await client.send(
    new PutCommand({ TableName: jobsTableName, Item: { ...job }, ConditionExpression: 'attribute_not_exists(jobId)' }),
  );
}

/** The fan-in port on DynamoDB: the two conditional writes the core relies on. */
export function dynamoFanIn(client: DynamoDBDocumentClient, tables: PipelineTables): FanInPort {
  return {
    async recordResult(result: SubtaskResult): Promise<RecordOutcome> {
      const expiresAt = Math.floor(Date.parse(result.completedAt) / 1000) + tables.ttlSeconds;
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tables.resultsTableName,
                  Item: { ...result, expiresAt },
                  ConditionExpression: 'attribute_not_exists(subtaskId)',
                },
              },
              {
                Update: {
                  TableName: tables.jobsTableName,
                  Key: { jobId: result.jobId },
                  UpdateExpression: 'ADD #completed :one, #primes :primes',
                  ConditionExpression: '#status = :running AND #completed < #subtasks',
                  ExpressionAttributeNames: {
                    '#completed': 'completed',
                    '#primes': 'primes',
                    '#status': 'status',
                    '#subtasks': 'subtasks',
                  },
                  ExpressionAttributeValues: { ':one': 1, ':primes': result.primes, ':running': 'RUNNING' },
                },
              },
            ],
          }),
        );
        return 'recorded';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
        const verdict = classifyCancellation(codes);
        if (verdict === 'error') {
          throw new Error(
            `subtask ${result.subtaskId} of job ${result.jobId} was refused by the job (missing, or not RUNNING with ` +
              `completed < subtasks): cancellation reasons [${codes.join(', ')}]`,
            { cause: error },
          );
        }
        return verdict;
      }
    },

    async finalizeJob(request: FinalizeRequest): Promise<FinalizeOutcome> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tables.jobsTableName,
            Key: { jobId: request.jobId },
            UpdateExpression: 'SET #status = :completedStatus, #result = #primes, #finalizedAt = :at, #finalizedBy = :by',
            ConditionExpression: '#completed = #subtasks AND #status = :running',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#result': 'result',
              '#primes': 'primes',
              '#finalizedAt': 'finalizedAt',
              '#finalizedBy': 'finalizedBy',
              '#completed': 'completed',
              '#subtasks': 'subtasks',
            },
            ExpressionAttributeValues: {
              ':completedStatus': 'COMPLETED',
              ':running': 'RUNNING',
              ':at': request.finalizedAt,
              ':by': request.finalizedBy,
            },
          }),
        );
        return 'finalized';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'not-final';
        if (error instanceof TransactionConflictException) return 'conflict';
        throw error;
      }
    },
  };
}
