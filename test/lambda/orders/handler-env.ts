/**
 * The environment the stack gives the orders functions. Imported first by the handler tests: the
 * handlers read it at module load, as they do at a cold start.
 */
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:LabOrders-OrderTopic';
export const PAYMENT_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/LabOrders-Payment';

Object.assign(process.env, {
  ORDERS_TABLE_NAME: 'orders',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  ORDER_TOPIC_ARN: TOPIC_ARN,
  STOCK_TABLE_NAME: 'stock',
  CHARGES_TABLE_NAME: 'charges',
  CONTROL_TABLE_NAME: 'control',
  NOTIFICATIONS_TABLE_NAME: 'notifications',
  LEDGER_TABLE_NAME: 'ledger',
  PAYMENT_QUEUE_URL,
  BREAKER_FAILURE_THRESHOLD: '2',
  BREAKER_COOL_DOWN_MS: '5000',
  PAYMENT_RETRIES: '0',
  REDELIVERY_BASE_SECONDS: '2',
  MAX_RECEIVE_COUNT: '3',
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'LabOrders-Function',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_DEV: 'true',
});
