import * as z from 'zod';

/** How the ack-mode consumer orders its effect and its acknowledgement, chosen per message by the lab. */
export const DELIVERY_MODES = ['at-most-once', 'at-least-once', 'effectively-once'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/**
 * A message of the guarantees lab. `messageId` is the business id the effect is counted under (not
 * SQS's id, which a redelivery keeps but a resend does not); `crash` asks for one injected crash, on
 * the first delivery only, at the point the mode makes dangerous.
 */
export const guaranteeMessageSchema = z.object({
  runId: z.string().min(1),
  messageId: z.string().min(1),
  mode: z.enum(DELIVERY_MODES),
  crash: z.boolean().default(false),
});
export type GuaranteeMessage = z.infer<typeof guaranteeMessageSchema>;

/** A message of the ordering lab: the `seq`-th of its group; `poison` fails on every delivery. */
export const sequencedMessageSchema = z.object({
  runId: z.string().min(1),
  group: z.string().min(1),
  seq: z.number().int().nonnegative(),
  poison: z.boolean().default(false),
});
export type SequencedMessage = z.infer<typeof sequencedMessageSchema>;

/** A message to the constrained downstream, by whichever path; `sentAt` (epoch ms) gives its latency. */
export const downstreamMessageSchema = z.object({
  runId: z.string().min(1),
  messageId: z.string().min(1),
  sentAt: z.number().int().nonnegative(),
});
export type DownstreamMessage = z.infer<typeof downstreamMessageSchema>;
