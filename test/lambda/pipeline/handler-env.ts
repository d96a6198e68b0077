/**
 * The environment the stack gives the pipeline's functions. Imported first by the handler tests:
 * the handlers read it at module load, as they do at a cold start.
 */
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:LabPipeline-SubtaskTopic';

Object.assign(process.env, {
  JOBS_TABLE_NAME: 'jobs',
  RESULTS_TABLE_NAME: 'results',
  SUBTASK_TOPIC_ARN: TOPIC_ARN,
  MAX_RANGE_END: '1000000',
  JOB_TTL_SECONDS: '3600',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'LabPipeline-Ventilator',
  // Errors only, through the global console, which the tests can watch.
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_DEV: 'true',
});
