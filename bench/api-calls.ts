import { BENCH_TOPIC_ARN } from './ventilator-env';
import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  deleteMessages,
  KINESIS_BATCH_BYTES,
  KINESIS_BATCH_RECORDS,
  publishBatches,
  putRecordsBatched,
  sendMessageBatches,
  SNS_BATCH_BYTES,
  SNS_BATCH_ENTRIES,
  SQS_BATCH_BYTES,
  SQS_BATCH_ENTRIES,
} from '../labs/scenarios/batching';
import { makeOrders } from '../labs/scenarios/fanout';
import { makeEvents } from '../labs/scenarios/stream';
import { makeTasks } from '../labs/scenarios/worker-pool';
import { encodeKinesisData } from '../lambda/shared/codecs';
import { handler as ventilatorHandler } from '../lambda/pipeline/ventilator';
import { countCommands, type CommandCounter, type Responder, type SentCommand } from './call-counter';

/**
 * API calls per N messages for every component that sends in bulk, against the batch API's minimum.
 * Each component's real code runs against SDK clients whose `send` is counted and answered in
 * memory; the messages are the ones its lab builds (task bodies, orders, stream events, subtasks).
 */

/** calls / minimum may exceed 1 by this much (retries of failed entries are the only excuse). */
export const MAX_CALL_RATIO = 1.05;

/** What one bulk operation of one component allows, and how its entries are sized. */
export interface BulkOperation {
  /** Batch API, as the figure names it: `SQS SendMessageBatch`. */
  readonly operation: string;
  /** The code that sends: `labs worker-pool producer`. */
  readonly component: string;
  /** Operation name of the batch command (`SendMessageBatch`). */
  readonly batchCommand: string;
  /** Operation name of its one-item twin (`SendMessage`): sending that instead is a defect. */
  readonly singleCommand: string;
  /** Entries the batch API takes per call. */
  readonly maxEntries: number;
  /** Bytes per call the component must stay under (API limit, or SQS's 64 KiB billing chunk). */
  readonly maxBytes?: number;
  /** Sizes, in bytes, of the entries of one batch call. */
  entrySizes(input: Readonly<Record<string, unknown>>): number[];
}

/** One figure: `calls` made for `messages`, against `minimum`. */
export interface ApiCallFigure {
  readonly operation: string;
  readonly component: string;
  /** Payload of the run: the lab's own messages, or a stated size. */
  readonly payload: string;
  readonly messages: number;
  readonly calls: number;
  readonly minimum: number;
  readonly ratio: number;
  /** Calls of the one-item twin (must be 0). */
  readonly singleItemCalls: number;
  /** Largest payload of one batch call, in bytes. */
  readonly maxBatchBytes: number;
  readonly maxBytes: number | null;
  readonly meets: boolean;
}

/**
 * The fewest calls that can carry entries of these sizes: with equal sizes, the exact figure
 * (entries per call bounded by both the count and the byte limit); with mixed sizes, the larger of
 * the two lower bounds (by count, by total bytes).
 */
export function minimumCalls(sizes: readonly number[], maxEntries: number, maxBytes = Infinity): number {
  if (sizes.length === 0) return 0;
  const largest = Math.max(...sizes);
  if (largest > maxBytes) throw new Error(`an entry of ${largest} bytes exceeds the limit of ${maxBytes} bytes per call`);
  if (sizes.every((s) => s === sizes[0])) {
    const perCall = Math.min(maxEntries, largest === 0 ? maxEntries : Math.floor(maxBytes / largest));
    return Math.ceil(sizes.length / perCall);
  }
  const total = sizes.reduce((sum, s) => sum + s, 0);
  return Math.max(Math.ceil(sizes.length / maxEntries), Math.ceil(total / maxBytes));
}

/** Judges the commands one run of a component sent for `messageSizes` against the operation's limits. */
export function assessCalls(
  operation: BulkOperation,
  sent: readonly SentCommand[],
  messageSizes: readonly number[],
  payload: string,
): ApiCallFigure {
  const batchCalls = sent.filter((c) => c.operation === operation.batchCommand);
  const singleItemCalls = sent.filter((c) => c.operation === operation.singleCommand).length;
  const calls = batchCalls.length + singleItemCalls;
  const minimum = minimumCalls(messageSizes, operation.maxEntries, operation.maxBytes);
  const batchBytes = batchCalls.map((c) => operation.entrySizes(c.input).reduce((sum, s) => sum + s, 0));
  const maxBatchBytes = batchBytes.length > 0 ? Math.max(...batchBytes) : 0;
  const ratio = minimum === 0 ? (calls === 0 ? 1 : Infinity) : calls / minimum;
  return {
    operation: operation.operation,
    component: operation.component,
    payload,
    messages: messageSizes.length,
    calls,
    minimum,
    ratio,
    singleItemCalls,
    maxBatchBytes,
    maxBytes: operation.maxBytes ?? null,
    meets: ratio <= MAX_CALL_RATIO && singleItemCalls === 0 && (operation.maxBytes === undefined || maxBatchBytes <= operation.maxBytes),
  };
}

const byteLength = (text: unknown): number => Buffer.byteLength(String(text ?? ''));
const entriesOf = (input: Readonly<Record<string, unknown>>, key: string): Record<string, unknown>[] =>
  (input[key] as Record<string, unknown>[] | undefined) ?? [];

export const SQS_SEND: BulkOperation = {
  operation: 'SQS SendMessageBatch',
  component: 'labs worker-pool producer (sendMessageBatches)',
  batchCommand: 'SendMessageBatch',
  singleCommand: 'SendMessage',
  maxEntries: SQS_BATCH_ENTRIES,
  maxBytes: SQS_BATCH_BYTES,
  entrySizes: (input) => entriesOf(input, 'Entries').map((e) => byteLength(e.MessageBody)),
};

export const SQS_DELETE: BulkOperation = {
  operation: 'SQS DeleteMessageBatch',
  component: 'labs fanout and worker-pool consumers (deleteMessages)',
  batchCommand: 'DeleteMessageBatch',
  singleCommand: 'DeleteMessage',
  maxEntries: SQS_BATCH_ENTRIES,
  entrySizes: (input) => entriesOf(input, 'Entries').map((e) => byteLength(e.ReceiptHandle)),
};

export const SNS_PUBLISH: BulkOperation = {
  operation: 'SNS PublishBatch',
  component: 'labs fanout producer (publishBatches)',
  batchCommand: 'PublishBatch',
  singleCommand: 'Publish',
  maxEntries: SNS_BATCH_ENTRIES,
  maxBytes: SNS_BATCH_BYTES,
  entrySizes: (input) => entriesOf(input, 'PublishBatchRequestEntries').map((e) => byteLength(e.Message)),
};

export const VENTILATOR_PUBLISH: BulkOperation = {
  ...SNS_PUBLISH,
  component: 'pipeline ventilator handler (lambda/pipeline/ventilator.ts)',
};

export const KINESIS_PUT: BulkOperation = {
  operation: 'Kinesis PutRecords',
  component: 'labs stream producer (putRecordsBatched)',
  batchCommand: 'PutRecords',
  singleCommand: 'PutRecord',
  maxEntries: KINESIS_BATCH_RECORDS,
  maxBytes: KINESIS_BATCH_BYTES,
  entrySizes: (input) =>
    entriesOf(input, 'Records').map((r) => (r.Data as Uint8Array).byteLength + byteLength(r.PartitionKey)),
};

/** Answers that accept every entry, as the services do when nothing is throttled. */
const acceptEntries = (key: string) => (input: Readonly<Record<string, unknown>>) => ({
  Successful: entriesOf(input, key).map((e) => ({ Id: e.Id, MessageId: randomUUID() })),
  Failed: [],
});

let sequence = 0n;
const acceptRecords = (input: Readonly<Record<string, unknown>>) => ({
  FailedRecordCount: 0,
  Records: entriesOf(input, 'Records').map(() => ({ ShardId: 'shardId-000000000000', SequenceNumber: String(++sequence) })),
});

/** A component's run over N messages: the sizes of the messages it was given. */
type Drive = (messages: number) => Promise<number[]>;

interface BulkCase {
  readonly operation: BulkOperation;
  readonly payload: string;
  /** Attaches counters, returns how to drive the component and how to release the counters. */
  setup(): Promise<{ counter: CommandCounter; drive: Drive; close(): void }>;
}

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/bench-queue';
const TOPIC_ARN = BENCH_TOPIC_ARN;

/**
 * A case that counts one batch command on a client of its own and drives the lab's producer through
 * it; `drive` returns the size of every entry it sent.
 */
function clientCase<C extends SQSClient | SNSClient | KinesisClient>(
  operation: BulkOperation,
  payload: string,
  newClient: () => C,
  responder: Responder,
  drive: (client: C, messages: number) => Promise<number[]>,
): BulkCase {
  return {
    operation,
    payload,
    setup: async () => {
      const client = newClient();
      const counter = countCommands(client, [responder]);
      return { counter, drive: (n) => drive(client, n), close: () => counter.restore() };
    },
  };
}

function sqsCase(payload: string, bodies: (n: number) => string[]): BulkCase {
  return clientCase(
    SQS_SEND,
    payload,
    () => new SQSClient({ region: 'us-east-1' }),
    { command: SendMessageBatchCommand, respond: acceptEntries('Entries') },
    async (sqs, n) => {
      const messages = bodies(n);
      await sendMessageBatches(sqs, QUEUE_URL, messages);
      return messages.map((m) => Buffer.byteLength(m));
    },
  );
}

const LAMBDA_CONTEXT = {
  awsRequestId: 'bench-request',
  functionName: 'bench-ventilator',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench-ventilator',
  memoryLimitInMB: '256',
  logGroupName: '/aws/lambda/bench-ventilator',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

/** Every bulk-sending component, with the messages its lab sends. */
export const BULK_CASES: readonly BulkCase[] = [
  sqsCase('worker-pool task bodies', (n) => makeTasks('bench', { tasks: n, workMs: 100, poison: 0, crash: false }).map((t) => JSON.stringify(t))),
  // Large bodies: the producer must split batches at 64 KiB (3 bodies of 20 KiB per call), not at 10.
  sqsCase('20 KiB bodies', (n) => Array.from({ length: n }, (_, i) => `${i}`.padEnd(20 * 1024, 'x'))),
  clientCase(
    SQS_DELETE,
    'receipt handles',
    () => new SQSClient({ region: 'us-east-1' }),
    { command: DeleteMessageBatchCommand, respond: acceptEntries('Entries') },
    async (sqs, n) => {
      const handles = Array.from({ length: n }, () => randomUUID().repeat(4));
      await deleteMessages(sqs, QUEUE_URL, handles.map((ReceiptHandle) => ({ ReceiptHandle })));
      return handles.map((h) => Buffer.byteLength(h));
    },
  ),
  clientCase(
    SNS_PUBLISH,
    'fanout order events',
    () => new SNSClient({ region: 'us-east-1' }),
    { command: PublishBatchCommand, respond: acceptEntries('PublishBatchRequestEntries') },
    async (sns, n) => {
      const messages = makeOrders('bench', n, 100).map((o) => JSON.stringify(o));
      await publishBatches(sns, TOPIC_ARN, messages);
      return messages.map((m) => Buffer.byteLength(m));
    },
  ),
  clientCase(
    KINESIS_PUT,
    'stream click events',
    () => new KinesisClient({ region: 'us-east-1' }),
    { command: PutRecordsCommand, respond: acceptRecords },
    async (kinesis, n) => {
      const entries = makeEvents('bench', { records: n, users: 5 }).map((e) => ({ data: encodeKinesisData(e), partitionKey: e.userId }));
      await putRecordsBatched(kinesis, 'bench-stream', entries);
      return entries.map((e) => e.data.byteLength + Buffer.byteLength(e.partitionKey));
    },
  ),
  {
    operation: VENTILATOR_PUBLISH,
    payload: 'pipeline subtasks',
    setup: async () => {
      // The handler's clients are created at module scope: count every instance of their classes.
      const counter = countCommands(SNSClient, [{ command: PublishBatchCommand, respond: acceptEntries('PublishBatchRequestEntries') }]);
      const documents = countCommands(DynamoDBDocumentClient);
      // The idempotency record's writes: answered, not counted (they are no bulk API).
      const idempotency = countCommands(DynamoDBClient);
      return {
        counter,
        drive: async (n) => {
          // A fresh request each time: a repeated requestId would be answered without publishing.
          await ventilatorHandler({ requestId: randomUUID(), subtasks: n, rangeEnd: n * 1000 }, LAMBDA_CONTEXT);
          return counter
            .sent()
            .filter((c) => c.operation === 'PublishBatch')
            .flatMap((c) => VENTILATOR_PUBLISH.entrySizes(c.input));
        },
        close: () => {
          counter.restore();
          documents.restore();
          idempotency.restore();
        },
      };
    },
  },
];

export const DEFAULT_MESSAGE_COUNTS: readonly number[] = [1, 9, 10, 11, 95, 500, 501, 1000];
export const SMOKE_MESSAGE_COUNTS: readonly number[] = [1, 10, 11, 95];

/** Runs every bulk component for every count; one figure per (component, count). */
export async function measureApiCalls(messageCounts: readonly number[]): Promise<ApiCallFigure[]> {
  const figures: ApiCallFigure[] = [];
  for (const bulk of BULK_CASES) {
    const { counter, drive, close } = await bulk.setup();
    try {
      for (const messages of messageCounts) {
        counter.reset();
        const sizes = await drive(messages);
        figures.push(assessCalls(bulk.operation, counter.sent(), sizes, bulk.payload));
      }
    } finally {
      close();
    }
  }
  return figures;
}
