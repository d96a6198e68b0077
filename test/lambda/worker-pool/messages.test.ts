import { encodeTask, taskIdOf, taskSchema, type WorkerTask } from '../../../lambda/worker-pool/messages';
import { parseJsonMessage } from '../../../lambda/shared/messages';

const schema = taskSchema(100);
const valid = { runId: 'r', taskId: 'r-1', workMs: 100 };

describe('taskSchema', () => {
  test.each([
    ['a minimal task', valid],
    ['a poison task', { ...valid, poison: true }],
    ['a crash task with no work', { ...valid, workMs: 0, crash: true }],
  ])('accepts %s', (_name, body) => {
    expect(schema.safeParse(body).success).toBe(true);
  });

  test.each([
    ['taskId is missing', { runId: 'r', workMs: 1 }, 'taskId'],
    ['runId is empty', { ...valid, runId: '' }, 'runId'],
    ['workMs exceeds the budget', { ...valid, workMs: 101 }, 'workMs'],
    ['workMs is negative', { ...valid, workMs: -1 }, 'workMs'],
    ['workMs is fractional', { ...valid, workMs: 1.5 }, 'workMs'],
    ['workMs is a string', { ...valid, workMs: '10' }, 'workMs'],
    ['poison is not a boolean', { ...valid, poison: 'yes' }, 'poison'],
  ])('rejects a body whose %s, naming the field', (_name, body, field) => {
    const result = schema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([field]);
  });
});

describe('task messages', () => {
  const task: WorkerTask = { runId: 'r', taskId: 'r-0001', workMs: 100, crash: true };

  test('what the lab sends is what the worker parses', () => {
    expect(parseJsonMessage(encodeTask(task), schema, 'body')).toEqual(task);
  });

  test.each<[string, string | undefined, string | undefined]>([
    ['a task', encodeTask(task), 'r-0001'],
    ['no body', undefined, undefined],
    ['a body that is not JSON', 'hello', undefined],
    ['JSON without a task id', '{"orderId":"o-1"}', undefined],
  ])('the lab finds the task id of %s in the dead-letter queue', (_name, body, taskId) => {
    expect(taskIdOf(body)).toBe(taskId);
  });
});
