import type { PipelineOutput } from '../../lib/stacks/pipeline-stack';
import { invocationItems, item, MILLION, NEAR_FREE_IDLE_TARGET_PER_HOUR, snsPublishItems, tableWriteItems, type PathModel } from '../cost/path';
import { renderPipeline } from '../report/pipeline';
import { pipelineConcurrency } from '../scenarios/concurrency';
import { pipelineVerdict, runPipeline } from '../scenarios/pipeline';
import { numberOption, UsageError, type ModuleLab, type Scenario } from '../scenarios/scenario';

const main: Scenario<PipelineOutput> = {
  summary: 'a ventilator splits a job into subtasks through SNS; workers fan the results back in (fan-out/fan-in)',
  options: [
    { flags: '--subtasks <n>', description: 'subtasks to split the job into', kind: 'count', min: 1, max: 1000, defaultValue: 10 },
    // The most any deployment accepts (the pipeline construct's maxRangeEnd limit); the lab sieves up to it itself.
    { flags: '--range-end <n>', description: 'the job counts the primes below this number', kind: 'count', min: 1, max: 100_000_000, defaultValue: 1_000_000 },
  ],
  prepare: (o) => {
    const options = { subtasks: numberOption(o, 'subtasks'), rangeEnd: numberOption(o, 'rangeEnd') };
    if (options.subtasks > options.rangeEnd) {
      throw new UsageError(`--subtasks (${options.subtasks}) cannot exceed --range-end (${options.rangeEnd}): every subtask needs a number to check`);
    }
    return {
      requiredConcurrency: () => pipelineConcurrency(options.subtasks),
      run: async (session, ui) => {
        const observations = await runPipeline(session, options, ui);
        return { verdict: pipelineVerdict(observations), observations: { ...observations }, render: (c) => renderPipeline(observations, c) };
      },
    };
  },
};

/**
 * pipeline: per job the ventilator runs once (one conditional put of the job item, and Powertools
 * idempotency's two writes of the request's record: in progress, then completed with the answer) and
 * publishes the subtasks in batches of 10; SNS invokes the worker once per subtask (delivery free); per
 * subtask the worker's transaction writes the result item and updates the job (2 items x 2 WRU), then
 * tries the conditional finalize (1 WRU, consumed whether or not it applies).
 */
const PIPELINE_WORKER_WRITES_PER_SUBTASK: Readonly<Record<string, number>> = { RESULTS_TABLE_NAME: 2, JOBS_TABLE_NAME: 2 + 1 };
const PIPELINE_VENTILATOR_WRITES_PER_JOB: Readonly<Record<string, number>> = { JOBS_TABLE_NAME: 1, IDEMPOTENCY_TABLE_NAME: 2 };

const path: PathModel = {
  message: 'subtask of a job',
  description: 'ventilator per job (job item + idempotency record); PublishBatch of 10; one worker invocation per subtask; transactional fan-in + finalize attempt',
  estimate: (view, a) => {
    const topic = view.single('AWS::SNS::Topic', 'the pipeline model');
    const workerSubs = view.subscriptions().filter((s) => s.topicId === topic.logicalId && s.protocol === 'lambda' && s.endpointId !== undefined);
    if (workerSubs.length !== 1) throw new Error(`the pipeline model needs one Lambda subscription to ${topic.logicalId}, but ${workerSubs.length} were found`);
    const worker = view.function(workerSubs[0]!.endpointId!);
    const ventilators = view.functions().filter((f) => [...f.environmentRefs.values()].includes(topic.logicalId));
    if (ventilators.length !== 1) throw new Error(`the pipeline model needs one function publishing to ${topic.logicalId}, but ${ventilators.length} were found`);
    const ventilator = ventilators[0]!;
    const jobs = MILLION / a.pipelineSubtasksPerJob;
    return {
      items: [
        ...invocationItems(ventilator, jobs, a.pipelineVentilatorMs, a),
        ...tableWriteItems(ventilator, view, jobs, PIPELINE_VENTILATOR_WRITES_PER_JOB, 'job'),
        ...snsPublishItems(topic.logicalId, MILLION, a),
        item(`${worker.logicalId}: SNS delivery`, MILLION, 'sns.deliveryToLambda'),
        ...invocationItems(worker, MILLION, a.pipelineSubtaskMs, a),
        ...tableWriteItems(worker, view, MILLION, PIPELINE_WORKER_WRITES_PER_SUBTASK, 'subtask'),
      ],
      assumptions: [
        `${a.pipelineSubtasksPerJob} subtasks per job (the ventilator's run and job item are shared by them)`,
        `${a.messageBytes} B per subtask message`,
        `${a.pipelineVentilatorMs} ms per ventilator run, ${a.pipelineSubtaskMs} ms per subtask`,
        'no redeliveries: every subtask succeeds on its first invocation',
        `${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/** The pipeline module's lab (registered in lib/modules.ts). */
export const pipelineLab: ModuleLab<PipelineOutput> = { main, cost: { path, idleTargetPerHour: NEAR_FREE_IDLE_TARGET_PER_HOUR } };
