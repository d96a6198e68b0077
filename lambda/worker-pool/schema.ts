import * as z from 'zod';

/**
 * The body of one work-queue message, as the lab sends it. `taskId` identifies the task across runs
 * (the ledger's key, which records it once), so producers make it unique, e.g. `<runId>-<n>`.
 */
export function taskSchema(maxTaskWorkMs: number) {
  return z.object({
    runId: z.string().min(1).max(128),
    taskId: z.string().min(1).max(256),
    /** Simulated work, in milliseconds; bounded so a full batch ends within the function timeout. */
    workMs: z.number().int().min(0).max(maxTaskWorkMs),
    /** Fails on every delivery, so it ends in the dead-letter queue. */
    poison: z.boolean().optional(),
    /** Kills the execution environment on the first delivery, before the task is recorded. */
    crash: z.boolean().optional(),
  });
}

export type WorkerTask = z.infer<ReturnType<typeof taskSchema>>;
