/**
 * The stream handler reads its environment at module load, as on a cold start: import this module
 * before the handler.
 */
Object.assign(process.env, {
  CONSUMER_NAME: 'analytics',
  CHECKPOINT_TABLE_NAME: 'CheckpointTable',
});
