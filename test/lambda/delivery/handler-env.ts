/**
 * The environment the stack gives the delivery consumers. Imported first by the handler tests: the
 * handlers read it at module load, as they do at a cold start.
 */
export const EFFECTS_TABLE_NAME = 'effects-table';
export const ACK_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/ack-queue';
export const ARRIVALS_TABLE_NAME = 'arrivals-table';
export const DOWNSTREAM_TABLE_NAME = 'downstream-table';

Object.assign(process.env, {
  EFFECTS_TABLE_NAME,
  ACK_QUEUE_URL,
  ARRIVALS_TABLE_NAME,
  DOWNSTREAM_TABLE_NAME,
  DOWNSTREAM_CAPACITY: '2',
  WORK_MS: '1',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_LAMBDA_FUNCTION_NAME: 'LabDelivery-AckConsumer',
  POWERTOOLS_SERVICE_NAME: 'delivery',
  POWERTOOLS_DEV: 'true',
});
