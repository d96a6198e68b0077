/** What the per-message models cannot read from a template. Every figure is printed with the estimate. */
export interface CostAssumptions {
  /** Size of one SNS or SQS message body, in bytes. */
  readonly messageBytes: number;
  /** Size of one Kinesis record (data and partition key), in bytes. */
  readonly recordBytes: number;
  /** Log bytes ingested per invocation: the JSON platform start/report lines and one summary line. */
  readonly logBytesPerInvocation: number;
  /** Run time of one worker-pool task (the lab's simulated work). */
  readonly workerPoolTaskMs: number;
  /** Run time per Kinesis record in a stream consumer. */
  readonly streamRecordMs: number;
  /** Fixed run time per stream batch (decoding, the checkpoint writes). */
  readonly streamBatchOverheadMs: number;
  /** Distinct partition keys in one stream batch: a consumer writes one checkpoint per key it saw. */
  readonly streamKeysPerBatch: number;
  /** Run time of one pipeline subtask (a prime count over a sub-range). */
  readonly pipelineSubtaskMs: number;
  /** Run time of the ventilator per job (split and publish). */
  readonly pipelineVentilatorMs: number;
  /** Subtasks per pipeline job: the ventilator's cost is shared by them. */
  readonly pipelineSubtasksPerJob: number;
  /** Concurrent long polls an idle SQS event-source mapping keeps open. */
  readonly sqsIdlePollers: number;
  /** Wait time of one long poll, in seconds. */
  readonly sqsLongPollSeconds: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  messageBytes: 1024,
  recordBytes: 1024,
  logBytesPerInvocation: 1024,
  workerPoolTaskMs: 100,
  streamRecordMs: 1,
  streamBatchOverheadMs: 20,
  // The stream lab's default: 5 users.
  streamKeysPerBatch: 5,
  pipelineSubtaskMs: 200,
  pipelineVentilatorMs: 500,
  pipelineSubtasksPerJob: 100,
  sqsIdlePollers: 5,
  sqsLongPollSeconds: 20,
};
