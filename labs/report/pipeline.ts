import type { PipelineObservations } from '../scenarios/pipeline';
import { mark, seconds } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

export function renderPipeline(o: PipelineObservations, colors: Colors): string {
  return [
    renderTable(
      ['job', 'subtasks', 'completed', 'status', 'primes below ' + o.rangeEnd, 'expected', ''],
      [[o.jobId, o.subtasks, o.completed, o.status, o.result ?? '-', o.expectedResult, mark(colors, o.result === o.expectedResult)]],
    ),
    renderTable(
      ['fan-out (ventilator published)', 'fan-in (workers done, job finalized)', 'total', 'PublishBatch calls'],
      [[seconds(o.fanOutMs), seconds(o.fanInMs), seconds(o.totalMs), o.publishCalls]],
    ),
    o.status === 'COMPLETED' && o.completed === o.subtasks && o.resultItems === o.subtasks
      ? `${o.resultItems} subtask result(s) recorded under job ${o.jobId}; fan-in counted each subtask once and finalized the job once.`
      : colors.red(`${o.resultItems} subtask result(s) recorded and ${o.completed} of ${o.subtasks} counted under job ${o.jobId}, which is ${o.status}: fan-in did not close the job.`),
  ].join('\n');
}
