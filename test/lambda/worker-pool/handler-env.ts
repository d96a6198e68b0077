/**
 * The environment the stack gives the worker. Imported first by the handler test: the handler reads
 * it at module load, as it does at a cold start.
 */
export const LEDGER_TABLE_NAME = 'ledger-table';

Object.assign(process.env, {
  LEDGER_TABLE_NAME,
  MAX_TASK_WORK_MS: '20',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_LAMBDA_FUNCTION_NAME: 'LabWorkerPool-Worker',
  POWERTOOLS_SERVICE_NAME: 'worker-pool',
  // Powertools logs through the global console, which the tests can watch.
  POWERTOOLS_DEV: 'true',
});
