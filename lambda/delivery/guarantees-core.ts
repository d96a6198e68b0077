import type { DeliveryMode, GuaranteeMessage } from './schema';

/** Where an injected crash strikes: between the acknowledgement and the effect, or the other way round. */
export type CrashPoint = 'after-ack' | 'after-effect';

/** Side effects of the ack-mode consumer, injected so the order of its steps is tested without AWS. */
export interface GuaranteePorts {
  /** Deletes the message from the queue now (the consumer acknowledges it itself). */
  acknowledge(): Promise<void>;
  /** Adds one to the message's effect counter, unconditionally. */
  countEffect(messageId: string): Promise<void>;
  /** Adds one to the counter only if this message id was never counted (a conditional write); false if it was. */
  countEffectOnce(messageId: string): Promise<boolean>;
  /** Ends the execution environment abruptly, as a host failure would. */
  crash(point: CrashPoint): never;
}

/** What the delivery did; `acknowledged: 'by-return'` leaves the deletion to the event-source mapping. */
export interface GuaranteeOutcome {
  readonly messageId: string;
  readonly mode: DeliveryMode;
  readonly effect: 'counted' | 'already-counted';
  readonly acknowledged: 'by-consumer' | 'by-return';
}

/** The one crash a message asks for strikes its first delivery only, so every run's numbers are known in advance. */
export function crashesNow(message: GuaranteeMessage, receiveCount: number): boolean {
  return message.crash && receiveCount <= 1;
}

/**
 * One delivery of a guarantees-lab message, in the order its mode prescribes:
 * - at-most-once acknowledges first, then applies the effect: a crash in between loses the message;
 * - at-least-once applies the effect, then returns (the mapping acknowledges): a crash in between
 *   redelivers it and the effect happens twice;
 * - effectively-once does the same with a conditional write keyed by the business id: the redelivery
 *   finds it counted and changes nothing.
 */
export async function deliver(message: GuaranteeMessage, receiveCount: number, ports: GuaranteePorts): Promise<GuaranteeOutcome> {
  const crash = crashesNow(message, receiveCount);
  const { messageId, mode } = message;
  switch (mode) {
    case 'at-most-once':
      await ports.acknowledge();
      if (crash) ports.crash('after-ack');
      await ports.countEffect(messageId);
      return { messageId, mode, effect: 'counted', acknowledged: 'by-consumer' };
    case 'at-least-once':
      await ports.countEffect(messageId);
      if (crash) ports.crash('after-effect');
      return { messageId, mode, effect: 'counted', acknowledged: 'by-return' };
    case 'effectively-once': {
      const counted = await ports.countEffectOnce(messageId);
      if (crash) ports.crash('after-effect');
      return { messageId, mode, effect: counted ? 'counted' : 'already-counted', acknowledged: 'by-return' };
    }
  }
}

/** What the lab expects of `sent` messages with `crashes` crashed ones, per mode: effects never, once, more than once. */
export function expectedCounts(mode: DeliveryMode, sent: number, crashes: number): { never: number; once: number; moreThanOnce: number } {
  switch (mode) {
    case 'at-most-once':
      return { never: crashes, once: sent - crashes, moreThanOnce: 0 };
    case 'at-least-once':
      return { never: 0, once: sent - crashes, moreThanOnce: crashes };
    case 'effectively-once':
      return { never: 0, once: sent, moreThanOnce: 0 };
  }
}
