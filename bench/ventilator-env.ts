/**
 * The environment the pipeline stack gives the ventilator, set before its handler module loads (it
 * reads it at module scope, as at a cold start). Logs are silenced: --json owns stdout.
 */
export const BENCH_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:bench-topic';

/** What this module adds to the bench process's environment; the unit suite it spawns must not inherit it. */
export const BENCH_HANDLER_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  JOBS_TABLE_NAME: 'bench-jobs',
  SUBTASK_TOPIC_ARN: BENCH_TOPIC_ARN,
  MAX_RANGE_END: '10000000',
  JOB_TTL_SECONDS: '3600',
  IDEMPOTENCY_TABLE_NAME: 'bench-idempotency',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};
const inherited = { ...process.env };
Object.assign(process.env, BENCH_HANDLER_ENV);

/** The environment the bench was started with, before the handler settings above. */
export const ORIGINAL_ENV: NodeJS.ProcessEnv = inherited;
