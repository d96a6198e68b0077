import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { LocalDeployment } from '../model';
import type { FunctionPool } from './function-pool';

/** A problem of the local cloud itself (an emulator unreachable, a malformed relay message), not a function error. */
export interface RuntimeFault {
  /** The event source's logical id, or the function name. */
  readonly source: string;
  readonly error: Error;
}

/** What every event source needs from the runtime. */
export interface RuntimeContext {
  readonly deployment: LocalDeployment;
  readonly region: string;
  /** Aborted by `stop()`: pollers end their loops and cancel their long polls. */
  readonly signal: AbortSignal;
  pool(functionName: string): FunctionPool;
  sqs(): SQSClient;
  kinesis(): KinesisClient;
  /** DynamoDB Local's stream API (served on the DynamoDB emulator's endpoint). */
  dynamodbStreams(): DynamoDBStreamsClient;
  report(source: string, error: unknown): void;
  /** Sends a message to an SQS queue or SNS topic given by ARN (dead-letter queues, on-failure destinations). */
  sendToDestination(arn: string, body: string, attributes?: Record<string, MessageAttributeValue>): Promise<void>;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
