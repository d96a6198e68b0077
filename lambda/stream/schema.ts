import * as z from 'zod';

/**
 * One clickstream event as the stream lab's producer puts it (the seed's `{eventId, userId, action,
 * timestamp}`, plus the run it belongs to so a lab can tell its own records from an earlier run's).
 */
export const StreamEventSchema = z.object({
  runId: z.string().min(1),
  eventId: z.number().int().nonnegative(),
  userId: z.string().min(1),
  action: z.string().min(1),
  timestamp: z.string().min(1),
});

export type StreamEvent = z.infer<typeof StreamEventSchema>;
