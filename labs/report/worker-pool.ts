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
