import * as z from 'zod';

/**
 * Wire formats of the pipeline: the job request the lab sends to the ventilator and the ventilator's
 * answer, and the subtask message the ventilator publishes and the workers receive. One definition
 * serves both sides.
 */

/** SNS PublishBatch takes at most this many subtasks per call; more than 1000 is beyond a lab. */
export const MAX_SUBTASKS = 1000;

/** A subtask as published on the topic. `from` is inclusive, `to` exclusive. */
export const SubtaskMessageSchema = z
  .object({
    jobId: z.uuid(),
    subtaskId: z.int().min(0).max(MAX_SUBTASKS - 1),
    subtasks: z.int().min(1).max(MAX_SUBTASKS),
    from: z.int().min(0),
    to: z.int().min(0),
    fail: z.boolean().optional(),
  })
  .refine((m) => m.from <= m.to, { message: 'from must not exceed to', path: ['to'] })
  .refine((m) => m.subtaskId < m.subtasks, { message: 'subtaskId must be below subtasks', path: ['subtaskId'] });

export type SubtaskMessage = z.infer<typeof SubtaskMessageSchema>;

/**
 * The ventilator's input. `requestId` is the client's token for this request: the same token sent
 * again (a client retry after a timeout) returns the job already started instead of starting another
 * one. `rangeEnd` bounds the numbers whose primes are counted ([0, rangeEnd)) and must leave every
 * subtask at least one number; `failSubtasks` lists subtask ids (0-based) that fail on every attempt,
 * to show retries ending in the dead-letter queue.
 */
export function jobRequestSchema(maxRangeEnd: number) {
  return z
    .object({
      requestId: z.string().min(1).max(128),
      subtasks: z.int().min(1).max(MAX_SUBTASKS),
      rangeEnd: z.int().min(1).max(maxRangeEnd),
      failSubtasks: z.array(z.int().min(0)).max(MAX_SUBTASKS).optional(),
    })
    .refine((r) => r.subtasks <= r.rangeEnd, {
      message: 'subtasks must not exceed rangeEnd (every subtask counts at least one number)',
      path: ['subtasks'],
    })
    .refine((r) => (r.failSubtasks ?? []).every((id) => id < r.subtasks), {
      message: 'failSubtasks must name subtask ids below subtasks',
      path: ['failSubtasks'],
    });
}

export type JobRequest = z.infer<ReturnType<typeof jobRequestSchema>>;

/** What a job is, without the client token that only the ventilator's idempotency reads. */
export type JobSpec = Omit<JobRequest, 'requestId'>;

/** The ventilator's answer: the job it started (or, for a repeated requestId, the one it started before). */
export const JobStartedSchema = z.object({
  jobId: z.uuid(),
  subtasks: z.int().min(1).max(MAX_SUBTASKS),
  rangeEnd: z.int().min(1),
  /** PublishBatch calls made, retries of refused entries included. */
  publishCalls: z.int().min(0),
});

export type JobStarted = z.infer<typeof JobStartedSchema>;
