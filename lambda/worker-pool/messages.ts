import * as z from 'zod';
import { readJsonMessage } from '../shared/messages';

/**
 * The work-queue message: its schema (the worker validates every body with it), its type, and the
 * encoder the lab sends tasks with, so producer and consumer cannot drift apart.
 */

/**
 * The body of one work-queue message. `taskId` identifies the task across runs (the ledger's key,
 * which records it once), so producers make it unique, e.g. `<runId>-<n>`.
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

/** The SQS message body of a task. */
export function encodeTask(task: WorkerTask): string {
  return JSON.stringify(task);
}

const TaskIdSchema = taskSchema(Number.MAX_SAFE_INTEGER).pick({ taskId: true });

/** The task id of a message body, or undefined when the body is not a task (a queue may hold anything). */
export function taskIdOf(body: string | undefined): string | undefined {
  return readJsonMessage(body, TaskIdSchema)?.taskId;
}
