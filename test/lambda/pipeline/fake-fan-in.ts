import { classifyCancellation, type FanInPort, type FinalizeOutcome, type RecordOutcome, type SubtaskResult } from '../../../lambda/pipeline/core';

export interface FakeJob {
  jobId: string;
  status: 'RUNNING' | 'COMPLETED';
  subtasks: number;
  completed: number;
  primes: number;
  result?: number;
  finalizedBy?: string;
  finalizedAt?: string;
}

/**
 * An in-memory jobs + results store with the conditional semantics of the DynamoDB writes behind the
 * fan-in port: the transaction is all-or-nothing under the same two conditions, the finalize update
 * under its condition. Every operation first yields to the event loop, so concurrent workers
 * (Promise.all) interleave between their steps as separate Lambda invocations would.
 */
export class FakeFanInStore implements FanInPort {
  readonly jobs = new Map<string, FakeJob>();
  readonly results = new Map<string, SubtaskResult>();
  /** Applied operations, in order: `record:<subtaskId>:<outcome>` / `finalize:<by>:<outcome>`. */
  readonly log: string[] = [];

  addJob(jobId: string, subtasks: number): void {
    this.jobs.set(jobId, { jobId, status: 'RUNNING', subtasks, completed: 0, primes: 0 });
  }

  async recordResult(result: SubtaskResult): Promise<RecordOutcome> {
    await yieldToEventLoop();
    const key = `${result.jobId}#${result.subtaskId}`;
    const job = this.jobs.get(result.jobId);
    const resultExists = this.results.has(key);
    const jobAccepts = job !== undefined && job.status === 'RUNNING' && job.completed < job.subtasks;
    if (!resultExists && jobAccepts) {
      this.results.set(key, result);
      job.completed += 1;
      job.primes += result.primes;
      this.log.push(`record:${result.subtaskId}:recorded`);
      return 'recorded';
    }
    const verdict = classifyCancellation([resultExists ? 'ConditionalCheckFailed' : 'None', jobAccepts ? 'None' : 'ConditionalCheckFailed']);
    this.log.push(`record:${result.subtaskId}:${verdict}`);
    if (verdict === 'error') throw new Error(`job ${result.jobId} refused subtask ${result.subtaskId}`);
    return verdict;
  }

  async finalizeJob(request: { jobId: string; finalizedBy: string; finalizedAt: string }): Promise<FinalizeOutcome> {
    await yieldToEventLoop();
    const job = this.jobs.get(request.jobId);
    if (job === undefined || job.completed !== job.subtasks || job.status !== 'RUNNING') {
      this.log.push(`finalize:${request.finalizedBy}:not-final`);
      return 'not-final';
    }
    job.status = 'COMPLETED';
    job.result = job.primes;
    job.finalizedBy = request.finalizedBy;
    job.finalizedAt = request.finalizedAt;
    this.log.push(`finalize:${request.finalizedBy}:finalized`);
    return 'finalized';
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
