import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { openLocal, type LocalOpenOptions, type LocalSession } from '../../labs/targets/local';
import { findModule } from '../../lib/modules';

/**
 * One local cloud per test file: the module is synthesized with its handlers bundled, provisioned and
 * run once in `beforeAll`, and everything is stopped in `afterAll`. Tests drive it through the
 * session's SDK clients and wait on outcomes with deadlines, never fixed sleeps.
 */

/** Synthesis with bundling, emulator cold start, provisioning and runtime start, on a busy 2-core machine. */
const OPEN_TIMEOUT_MS = 120_000;
const CLOSE_TIMEOUT_MS = 30_000;
/** One test waits on redeliveries after visibility timeouts and asynchronous retries. */
const TEST_TIMEOUT_MS = 90_000;

export interface LocalCloud {
  /** The open session (throws if `beforeAll` has not opened it). */
  (): LocalSession;
  /** Progress lines of the open and close, and runtime faults. */
  readonly log: readonly string[];
}

export function useLocalCloud(moduleName: string, options: Omit<LocalOpenOptions, 'log'> = {}): LocalCloud {
  let session: LocalSession | undefined;
  const log: string[] = [];
  jest.setTimeout(TEST_TIMEOUT_MS);
  beforeAll(async () => {
    session = await openLocal(findModule(moduleName), { ...options, log: (line) => log.push(line) });
    const { synthMillis, emulatorsMillis, provisionMillis, runtimeMillis, totalMillis } = session.timings;
    console.log(
      `local cloud for ${moduleName}: ${totalMillis} ms (synth ${synthMillis}, emulators ${emulatorsMillis}, provision ${provisionMillis}, runtime ${runtimeMillis})`,
    );
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => {
    await session?.close();
  }, CLOSE_TIMEOUT_MS);

  const current = (): LocalSession => {
    if (session === undefined) throw new Error(`the local cloud for ${moduleName} is not open (did beforeAll fail?)`);
    return session;
  };
  return Object.assign(current, { log });
}

export interface WaitOptions {
  /** @default 30_000 */
  readonly timeoutMs?: number;
  /** @default 250 */
  readonly intervalMs?: number;
}

/**
 * Probes until `done` holds for what the probe returns, and returns that. At the deadline it fails
 * with the last value seen, so a failing test says how far the pattern got.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

/** Visible plus in-flight messages of a queue. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/**
 * Receives from a queue (without deleting: received messages stay hidden for the rest of the test)
 * until `expected` messages arrived, then listens `settleMs` longer so that an extra delivery shows.
 */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  expected: number,
  options: WaitOptions & { readonly settleMs?: number } = {},
): Promise<Message[]> {
  const messages: Message[] = [];
  const receive = async (waitTimeSeconds: number): Promise<number> => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
        VisibilityTimeout: 600,
        MessageAttributeNames: ['All'],
        AttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
    return Messages.length;
  };
  await waitUntil(`${expected} message(s) in ${queueUrl}`, () => receive(1).then(() => messages.length), (n) => n >= expected, options);
  const settleUntil = Date.now() + (options.settleMs ?? 1_000);
  while (Date.now() < settleUntil) await receive(0).then((n) => n === 0 && new Promise((resolve) => setTimeout(resolve, 200)));
  return messages;
}

/** Sends message bodies, 10 per SendMessageBatch call; fails if SQS refused any. */
export async function sendAll(sqs: SQSClient, queueUrl: string, bodies: readonly unknown[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const chunk = bodies.slice(start, start + 10);
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: JSON.stringify(body) })),
      }),
    );
    if (Failed.length > 0) throw new Error(`SQS refused ${Failed.length} message(s): ${JSON.stringify(Failed)}`);
  }
}

/** Every item of a (small) table, with a consistent read. */
export async function scanAll<T>(dynamodb: DynamoDBDocumentClient, tableName: string): Promise<T[]> {
  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as T[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** Handler output of one function, one line per entry, for a failing assertion's message. */
export function handlerLogs(session: LocalSession, functionName: string): string {
  return session.runtime
    .logs(functionName)
    .map((entry) => `${entry.logStreamName.slice(-8)} ${entry.line}`)
    .join('\n');
}
