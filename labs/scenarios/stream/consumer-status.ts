import { DescribeStreamConsumerCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { pollUntil } from '../polling';

/** Registration usually takes seconds; this bounds the wait for a consumer that is stuck. */
export const CONSUMER_ACTIVE_TIMEOUT_MS = 120_000;
/** DescribeStreamConsumer allows 20 calls per second per stream: one round every 2 s stays far below. */
const POLL_INTERVAL_MS = 2_000;

export interface ConsumerWaitOptions {
  /** @default CONSUMER_ACTIVE_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** @default 2 s */
  readonly intervalMs?: number;
}

interface ConsumerState {
  readonly name: string;
  /** A ConsumerStatus (CREATING, DELETING, ACTIVE). */
  readonly status: string;
}

/**
 * CloudFormation reports an AWS::Kinesis::StreamConsumer CREATE_COMPLETE before the consumer is
 * ACTIVE, and until it is its function's mapping cannot subscribe to the shards: a lab run right
 * after `cdk deploy` would judge a consumer that has not started. Resolves once every named consumer
 * of the stream is ACTIVE; throws, naming each consumer and its status, when the wait runs out.
 */
export async function waitForActiveConsumers(
  kinesis: KinesisClient,
  streamArn: string,
  consumerNames: readonly string[],
  options: ConsumerWaitOptions = {},
): Promise<void> {
  if (consumerNames.length === 0) return;
  const timeoutMs = options.timeoutMs ?? CONSUMER_ACTIVE_TIMEOUT_MS;
  const { state, timedOut } = await pollUntil<ConsumerState[]>({
    timeoutMs,
    intervalMs: options.intervalMs ?? POLL_INTERVAL_MS,
    poll: () => Promise.all(consumerNames.map(async (name) => ({ name, status: await consumerStatus(kinesis, streamArn, name) }))),
    done: (states) => states.every((s) => s.status === 'ACTIVE'),
  });
  if (!timedOut) return;
  const pending = state.filter((s) => s.status !== 'ACTIVE').map((s) => `${s.name} (${s.status})`);
  throw new Error(
    `enhanced fan-out consumer ${pending.join(', ')} of ${streamArn} did not become ACTIVE within ${Math.round(timeoutMs / 1000)} s, ` +
      'and its function cannot read the stream until it does: run the lab again in a minute; if a consumer stays CREATING or is DELETING, deploy the stack again',
  );
}

async function consumerStatus(kinesis: KinesisClient, streamArn: string, consumerName: string): Promise<string> {
  try {
    const { ConsumerDescription } = await kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }));
    return ConsumerDescription?.ConsumerStatus ?? 'UNKNOWN';
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    throw new Error(`enhanced fan-out consumer ${consumerName} is not registered on ${streamArn}: deploy the stack again, it registers its consumers`, {
      cause: error,
    });
  }
}
