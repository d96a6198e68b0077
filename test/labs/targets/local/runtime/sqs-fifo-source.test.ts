import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { SqsEventSourceSpec } from '../../../../../labs/targets/local/model';
import type { InvocationOutcome } from '../../../../../labs/targets/local/runtime/execution-environment';
import type { RuntimeContext } from '../../../../../labs/targets/local/runtime/runtime-context';
import { SqsSource, withRestOfTheirGroups } from '../../../../../labs/targets/local/runtime/sqs-source';

const FIFO_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders.fifo';
const STANDARD_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders';

/** g1-1, g1-2, g1-3, g2-1: one batch as SQS returns it, in group order. */
const BATCH: Message[] = [
  ['g1', 1],
  ['g1', 2],
  ['g1', 3],
  ['g2', 1],
].map(([group, seq]) => ({ MessageId: `${group}-${seq}`, ReceiptHandle: `r-${group}-${seq}`, Body: '{}', Attributes: { MessageGroupId: String(group) } }));

/**
 * An SQS mapping over a queue that returns BATCH once; the function answers with `outcome`. Resolves
 * with the message ids the mapping deleted once it has handled that batch.
 */
async function deletedAfterOneBatch(queueArn: string, outcome: InvocationOutcome): Promise<string[]> {
  const abort = new AbortController();
  const deleted: string[] = [];
  let handedOut = false;
  let invocations = 0;
  const sqs = {
    async send(command: unknown) {
      if (command instanceof ReceiveMessageCommand) {
        if (handedOut) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return { Messages: [] };
        }
        handedOut = true;
        return { Messages: BATCH };
      }
      if (command instanceof DeleteMessageBatchCommand) {
        const handles = (command.input.Entries ?? []).map((entry) => entry.ReceiptHandle);
        deleted.push(...BATCH.filter((message) => handles.includes(message.ReceiptHandle)).map((message) => message.MessageId ?? ''));
        return {};
      }
      return { Attributes: { QueueArn: queueArn } };
    },
  };
  const pool = {
    async invoke(event: SQSEvent) {
      invocations += 1;
      expect(event.Records.map((record) => record.messageId)).toEqual(BATCH.map((message) => message.MessageId));
      return outcome;
    },
  };
  const context = { region: 'us-east-1', signal: abort.signal, sqs: () => sqs, pool: () => pool, report: () => undefined } as unknown as RuntimeContext;
  const spec: SqsEventSourceSpec = {
    kind: 'sqs',
    logicalId: 'Mapping',
    functionName: 'Consumer',
    queueArn,
    queueUrl: 'http://127.0.0.1/000000000000/orders',
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    maximumConcurrency: 2,
    reportBatchItemFailures: true,
    enabled: true,
  };
  const source = new SqsSource(context, spec);
  await source.start();
  const deadline = Date.now() + 2_000;
  while (invocations === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  // One more turn of the event loop lets the deletion of the handled batch go out.
  await new Promise((resolve) => setTimeout(resolve, 20));
  abort.abort();
  await source.stop();
  return deleted.sort();
}

const failures = (...ids: string[]): InvocationOutcome => ({ ok: true, requestId: 'r', payload: { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) } });

describe('SQS mapping on a FIFO queue', () => {
  it.each([
    ['a FIFO queue returns the rest of a failed group', FIFO_ARN, failures('g1-2'), ['g1-1', 'g2-1']],
    ['a FIFO queue keeps the failed message and those reported after it', FIFO_ARN, failures('g1-2', 'g1-3'), ['g1-1', 'g2-1']],
    ['a FIFO queue returns a whole group whose first message failed, other groups go on', FIFO_ARN, failures('g2-1'), ['g1-1', 'g1-2', 'g1-3']],
    ['a standard queue deletes everything not reported', STANDARD_ARN, failures('g1-2'), ['g1-1', 'g1-3', 'g2-1']],
    ['a function error deletes nothing', FIFO_ARN, { ok: false, requestId: 'r', error: { errorType: 'Error', errorMessage: 'boom', trace: [] } }, []],
    ['a full success deletes the batch', FIFO_ARN, failures(), ['g1-1', 'g1-2', 'g1-3', 'g2-1']],
  ] as const)('%s', async (_name, queueArn, outcome, expected) => {
    expect(await deletedAfterOneBatch(queueArn, outcome)).toEqual(expected);
  });
});

describe('withRestOfTheirGroups', () => {
  it.each([
    [[], []],
    [['g1-1'], ['g1-1', 'g1-2', 'g1-3']],
    [['g1-3'], ['g1-3']],
    [['g1-2', 'g2-1'], ['g1-2', 'g1-3', 'g2-1']],
  ])('keeps %j and what follows in their groups: %j', (failed, kept) => {
    expect([...withRestOfTheirGroups(BATCH, new Set(failed))].sort()).toEqual(kept);
  });
});
