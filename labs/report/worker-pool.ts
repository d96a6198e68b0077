import type { WorkerPoolObservations } from '../scenarios/worker-pool';
import { renderBarChart } from './bar-chart';
import { seconds, shortId } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

export function renderWorkerPool(o: WorkerPoolObservations, colors: Colors): string {
  const lines = [
    `Tasks per worker (execution environment; pool size ${o.poolSize}, ${o.workers.length} environment(s) seen):`,
    o.workers.length > 0
      ? renderBarChart(o.workers.map((w) => ({ label: shortId(w.id), value: w.tasks })))
      : colors.yellow('  no task was completed'),
    renderTable(
      ['tasks', 'processed', 'dead-lettered', 'duplicates', 'sent in', 'took'],
      [[o.tasks, o.processed, `${o.deadLettered} (of ${o.poison} poison)`, o.duplicates, `${o.sendCalls} SendMessageBatch call(s)`, seconds(o.elapsedMs)]],
    ),
  ];
  if (o.skew) {
    const k = o.skew;
    lines.push(
      `Skewed tasks: ${k.longTasks} of ${o.tasks} work ${k.longMs} ms, the rest ${k.shortMs} ms; each worker pulls the next task when it is done:`,
      renderTable(
        ['worker', 'tasks', 'long tasks', 'busy'],
        k.workers.map((w) => [shortId(w.id), w.tasks, w.longTasks, seconds(w.busyMs)]),
      ),
      renderTable(
        ['makespan', 'first task taken up to last task done'],
        [
          ['measured, pulling from the queue', seconds(k.measuredMakespanMs)],
          ['computed, not run: the same task times pushed round-robin', `${seconds(k.roundRobinMakespanMs)} (busy per worker: ${k.roundRobinBusyMs.map((ms) => seconds(ms)).join(', ')})`],
        ],
      ),
      'Notice: a worker busy with a long task pulls nothing, so the others take more tasks: a queue balances like least-outstanding-requests; round-robin would have stacked every long task on one worker.',
    );
  }
  if (o.poison > 0) {
    lines.push(`Poison tasks failed on each of ${o.maxReceiveCount} receives, then SQS moved them to the dead-letter queue.`);
  }
  if (o.crash) {
    lines.push(
      o.crash.completed
        ? `Crashed task ${o.crash.taskId}: its first environment died mid-task; after the visibility timeout (${o.visibilityTimeoutSeconds} s) it was received again (attempt ${o.crash.attempts}) and completed by ${shortId(o.crash.workerId ?? '')}, a different environment.`
        : colors.red(`Crashed task ${o.crash.taskId} was not completed.`),
    );
  }
  // The lesson only when this run showed it; otherwise the verdict line says what went wrong.
  const onceEach = o.processed === o.tasks - o.poison && o.duplicates === 0 && o.deadLetteredHealthy === 0 && o.poisonCompleted === 0;
  lines.push(
    onceEach
      ? 'Each task was processed by exactly one worker: the pool shares the work (load balancing).'
      : colors.red('Not every task was processed exactly once in this run: see the failed expectations below.'),
  );
  return lines.join('\n');
}
