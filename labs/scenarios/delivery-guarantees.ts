import type { DeliveryOutput } from '../../lib/stacks/delivery-stack';
import { expectedCounts } from '../../lambda/delivery/guarantees-core';
import { DELIVERY_MODES, type DeliveryMode, type GuaranteeMessage } from '../../lambda/delivery/schema';
import type { TargetSession } from '../targets/target';
import type { Ui } from '../report/ui';
import { sendMessageBatches } from './batching';
import { getItems, messagesLeft } from './delivery-reads';
import { integerOutput, textOutput } from './outputs';
import { newRunId, pollUntil } from './polling';
import { verdictOf, type Verdict } from './scenario';

export interface GuaranteesOptions {
  readonly messages: number;
  readonly crashes: number;
}

/** What one mode did with the same messages and crashes: how many effects each message had. */
export interface ModeObservation {
  readonly mode: DeliveryMode;
  readonly sent: number;
  readonly crashes: number;
  readonly never: number;
  readonly once: number;
  readonly moreThanOnce: number;
}

export interface GuaranteesObservations {
  readonly runId: string;
  readonly modes: readonly ModeObservation[];
  readonly visibilityTimeoutSeconds: number;
  readonly timedOut: boolean;
  readonly elapsedMs: number;
}

export const messageIdOf = (runId: string, mode: DeliveryMode, index: number): string => `${runId}-${mode}-${index}`;

/**
 * Sends the same N messages through each mode (the first C of each crash once), waits until the ack
 * queue is empty (every message acknowledged, by the consumer or by the mapping), and counts each
 * message's effects.
 */
export async function runGuarantees(session: TargetSession<DeliveryOutput>, options: GuaranteesOptions, ui: Ui): Promise<GuaranteesObservations> {
  const { sqs, dynamodb } = session.clients;
  const queueUrl = textOutput(session, 'AckQueueUrl');
  const tableName = textOutput(session, 'EffectsTableName');
  const visibilityTimeoutSeconds = integerOutput(session, 'VisibilityTimeoutSeconds');
  const runId = newRunId();
  const messages: GuaranteeMessage[] = DELIVERY_MODES.flatMap((mode) =>
    Array.from({ length: options.messages }, (_, index) => ({ runId, messageId: messageIdOf(runId, mode, index), mode, crash: index < options.crashes })),
  );
  ui.log(`run ${runId}: ${options.messages} message(s) per mode, ${options.crashes} crash(es) each; a crashed delivery comes back after ${visibilityTimeoutSeconds} s`);
  await sendMessageBatches(sqs, queueUrl, messages.map((message) => JSON.stringify(message)));

  const result = await pollUntil({
    // Each crashed message is redelivered once, after one visibility timeout.
    timeoutMs: (2 * visibilityTimeoutSeconds + 30) * 1000,
    intervalMs: 500,
    poll: () => messagesLeft(sqs, queueUrl),
    done: (depth) => depth === 0,
  });
  const items = await getItems(dynamodb, tableName, messages.map(({ messageId }) => ({ messageId })));
  const effects = new Map(items.map((item) => [String(item['messageId']), Number(item['effects'] ?? 0)]));
  const modes = DELIVERY_MODES.map((mode) => {
    const counts = Array.from({ length: options.messages }, (_, index) => effects.get(messageIdOf(runId, mode, index)) ?? 0);
    return {
      mode,
      sent: options.messages,
      crashes: options.crashes,
      never: counts.filter((count) => count === 0).length,
      once: counts.filter((count) => count === 1).length,
      moreThanOnce: counts.filter((count) => count > 1).length,
    };
  });
  return { runId, modes, visibilityTimeoutSeconds, timedOut: result.timedOut, elapsedMs: result.elapsedMs };
}

/** Each mode shows exactly its guarantee: at-most-once lost the crashed ones, at-least-once doubled them, effectively-once neither. */
export function guaranteesVerdict(o: GuaranteesObservations): Verdict {
  const failures: string[] = [];
  if (o.timedOut) failures.push('the ack queue did not drain before the deadline: some messages were still being delivered');
  for (const m of o.modes) {
    const expected = expectedCounts(m.mode, m.sent, m.crashes);
    for (const key of ['never', 'once', 'moreThanOnce'] as const) {
      if (m[key] !== expected[key]) failures.push(`${m.mode}: ${m[key]} message(s) had their effect ${key}, expected ${expected[key]}`);
    }
  }
  return verdictOf(failures);
}
