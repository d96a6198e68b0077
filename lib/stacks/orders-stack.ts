import { Annotations, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { RECORD_TTL_ATTRIBUTE } from '../../lambda/orders/breaker-record';
import { FanOutTopic, type SubscribedQueue } from '../constructs/fan-out-topic';
import { LabFunction } from '../constructs/lab-function';
import { LabTable } from '../constructs/lab-table';
import { grantPublishToManagedKeyTopic } from '../constructs/publish-grant';
import { validateRange } from '../validation';
import { LabStack, type LabStackProps } from './lab-stack';

export interface OrdersStackProps extends LabStackProps {
  /**
   * Workers of each service's pool: the maximum concurrency of its SQS event source (2 to 100).
   * @default 3
   */
  readonly poolSize?: number;
  /**
   * Address the alarm topic e-mails (the subscription must be confirmed from the mail).
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
  /**
   * Period of every queue alarm, and the age of a work queue's oldest message that fires its alarm:
   * 10, 20, 30 or a multiple of 60 up to 3600 (CloudWatch's alarm periods). SQS publishes its metrics
   * once a minute, so on AWS a shorter period leaves the alarm short of data; the local cloud's labs
   * sample the queues every second and use it for short outages.
   * @default 60
   */
  readonly alarmPeriodSeconds?: number;
  /**
   * How long the payment breaker stays open before it lets a probe through, in seconds (1 to 300).
   * @default 5
   */
  readonly breakerCoolDownSeconds?: number;
  /**
   * The payment worker's timeout in seconds (3 to 10); its queue's visibility timeout is six times it,
   * so a crashed payment delivery comes back sooner with a shorter one (a lab waits for it).
   * @default 10
   */
  readonly paymentTimeoutSeconds?: number;
}

/** The CfnOutput keys of LabOrders, read by the lab. */
export const ORDERS_OUTPUTS = [
  'ApiUrl',
  'OrderTopicArn',
  'PaymentQueueUrl',
  'InventoryQueueUrl',
  'NotificationQueueUrl',
  'PaymentDeadLetterQueueUrl',
  'InventoryDeadLetterQueueUrl',
  'NotificationDeadLetterQueueUrl',
  'OrdersTableName',
  'ChargesTableName',
  'StockTableName',
  'NotificationsTableName',
  'ControlTableName',
  'LedgerTableName',
  'AlarmTopicArn',
  'IntakeFunctionName',
  'PaymentFunctionName',
  'InventoryFunctionName',
  'NotificationFunctionName',
  'PoolSize',
  'BreakerFailureThreshold',
  'BreakerCoolDownMs',
  'PaymentRetries',
  'PaymentRedeliveryBaseSeconds',
  'PaymentMaxReceiveCount',
] as const;

export type OrdersOutput = (typeof ORDERS_OUTPUTS)[number];

/** Consecutive provider failures that open the payment breaker, and how long it stays open. */
export const BREAKER_FAILURE_THRESHOLD = 5;
export const BREAKER_COOL_DOWN_SECONDS = 5;
/** Payment's in-process retries after a transient provider error, and its first redelivery delay. */
export const PAYMENT_RETRIES = 2;
export const PAYMENT_REDELIVERY_BASE_SECONDS = 2;
/** How long a work queue's oldest message may wait before its alarm fires, and every queue alarm's period. */
export const OLDEST_MESSAGE_ALARM_SECONDS = 60;

/** Throws, in prop terms, unless `seconds` is a period CloudWatch accepts for an alarm (up to an hour). */
export function validateAlarmPeriod(seconds: number): void {
  if (Token.isUnresolved(seconds)) return;
  const valid = [10, 20, 30].includes(seconds) || (Number.isInteger(seconds) && seconds % 60 === 0 && seconds >= 60 && seconds <= 3600);
  if (!valid) throw new Error(`alarmPeriodSeconds must be 10, 20, 30 or a multiple of 60 up to 3600, but ${seconds} was provided`);
}

/** How each service's pool is set up: its timeout bounds one invocation, the queue waits six times it. */
const SERVICES = {
  Payment: { timeout: Duration.seconds(10), batchSize: 1, maxReceiveCount: 6 },
  Inventory: { timeout: Duration.seconds(5), batchSize: 5, maxReceiveCount: 5 },
  Notification: { timeout: Duration.seconds(5), batchSize: 5, maxReceiveCount: 3 },
} as const;

type ServiceName = keyof typeof SERVICES;

const LAMBDA_DIR = join(__dirname, '..', '..', 'lambda', 'orders');

/**
 * The Week 5 capstone: an order API (HTTP API -> intake function) stores each order and publishes
 * OrderPlaced; the order topic fans it out to payment, inventory and notification queues, each
 * load-balanced over its own pool of workers. Payment retries with backoff within and across
 * deliveries behind a pool-wide circuit breaker; inventory reserves stock with conditional updates;
 * the two fan in to one terminal state per order, undoing the other side of a rejected one. Every work
 * queue's age and every dead-letter queue's depth has an alarm on the alarm topic.
 */
export class OrdersStack extends LabStack<OrdersOutput> {
  public readonly api: HttpApi;
  public readonly orderTopic: FanOutTopic;
  public readonly alarmTopic: Topic;
  public readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: OrdersStackProps) {
    super(scope, id, props);
    const poolSize = props.poolSize ?? 3;
    validateRange('poolSize', poolSize, 2, 100);
    const alarmPeriodSeconds = props.alarmPeriodSeconds ?? OLDEST_MESSAGE_ALARM_SECONDS;
    validateAlarmPeriod(alarmPeriodSeconds);
    const breakerCoolDownSeconds = props.breakerCoolDownSeconds ?? BREAKER_COOL_DOWN_SECONDS;
    validateRange('breakerCoolDownSeconds', breakerCoolDownSeconds, 1, 300);
    const paymentTimeoutSeconds = props.paymentTimeoutSeconds ?? SERVICES.Payment.timeout.toSeconds();
    validateRange('paymentTimeoutSeconds', paymentTimeoutSeconds, 3, 10);
    const timeouts: Record<ServiceName, Duration> = {
      Payment: Duration.seconds(paymentTimeoutSeconds),
      Inventory: SERVICES.Inventory.timeout,
      Notification: SERVICES.Notification.timeout,
    };
    if (alarmPeriodSeconds < 60) {
      Annotations.of(this).addWarningV2(
        'messaging-labs:subMinuteAlarm',
        `alarmPeriodSeconds is ${alarmPeriodSeconds}: SQS publishes its metrics once a minute, so on AWS these alarms will often lack data (the local cloud's labs sample the queues themselves)`,
      );
    }

    const tables = {
      orders: new LabTable(this, 'Orders', { partitionKey: { name: 'orderId', type: AttributeType.STRING } }),
      // Key and TTL attribute are the ones Powertools idempotency expects by default.
      idempotency: new LabTable(this, 'Idempotency', { partitionKey: { name: 'id', type: AttributeType.STRING }, timeToLiveAttribute: 'expiration' }),
      charges: new LabTable(this, 'Charges', { partitionKey: { name: 'orderId', type: AttributeType.STRING } }),
      stock: new LabTable(this, 'Stock', { partitionKey: { name: 'sku', type: AttributeType.STRING } }),
      notifications: new LabTable(this, 'Notifications', { partitionKey: { name: 'orderId', type: AttributeType.STRING } }),
      // The payment breaker's shared state, the fault switches, and the record of breaker transitions
      // and provider calls the labs count (those items expire after a day).
      control: new LabTable(this, 'Control', { partitionKey: { name: 'id', type: AttributeType.STRING }, timeToLiveAttribute: RECORD_TTL_ATTRIBUTE }),
      // Which worker took each delivery of an order, per service: what the lab reads the load balancing
      // and the retries from. Entries expire after a day (the TTL attribute the workers write).
      ledger: new LabTable(this, 'Ledger', {
        partitionKey: { name: 'orderId', type: AttributeType.STRING },
        sortKey: { name: 'service', type: AttributeType.STRING },
        timeToLiveAttribute: 'expiresAt',
      }),
    };

    this.orderTopic = new FanOutTopic(this, 'OrderTopic', { displayName: 'orders' });
    const queues = Object.fromEntries(
      (Object.keys(SERVICES) as ServiceName[]).map((name) => [
        name,
        this.orderTopic.addSubscribedQueue(name, {
          maxReceiveCount: SERVICES[name].maxReceiveCount,
          visibilityTimeout: Duration.seconds(timeouts[name].toSeconds() * 6),
          // An order nobody processed within a day is stale for a lab; its dead letters stay 14 days.
          retentionPeriod: Duration.days(1),
        }),
      ]),
    ) as Record<ServiceName, SubscribedQueue>;

    const intake = new LabFunction(this, 'Intake', {
      entry: join(LAMBDA_DIR, 'intake.ts'),
      serviceName: 'orders-intake',
      environment: {
        ORDERS_TABLE_NAME: tables.orders.tableName,
        IDEMPOTENCY_TABLE_NAME: tables.idempotency.tableName,
        ORDER_TOPIC_ARN: this.orderTopic.topic.topicArn,
      },
    });
    tables.orders.grant(intake, 'dynamodb:PutItem', 'dynamodb:GetItem');
    // What Powertools idempotency's DynamoDB persistence layer calls.
    tables.idempotency.grant(intake, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    grantPublishToManagedKeyTopic(this.orderTopic.topic, intake);
    this.api = this.orderApi(intake);

    const deciding = {
      ORDERS_TABLE_NAME: tables.orders.tableName,
      STOCK_TABLE_NAME: tables.stock.tableName,
      CHARGES_TABLE_NAME: tables.charges.tableName,
      CONTROL_TABLE_NAME: tables.control.tableName,
    };
    const payment = this.pool('Payment', queues.Payment, poolSize, timeouts.Payment, tables.ledger, {
      ...deciding,
      PAYMENT_QUEUE_URL: queues.Payment.queue.queueUrl,
      BREAKER_FAILURE_THRESHOLD: String(BREAKER_FAILURE_THRESHOLD),
      BREAKER_COOL_DOWN_MS: String(breakerCoolDownSeconds * 1000),
      PAYMENT_RETRIES: String(PAYMENT_RETRIES),
      REDELIVERY_BASE_SECONDS: String(PAYMENT_REDELIVERY_BASE_SECONDS),
    });
    const inventory = this.pool('Inventory', queues.Inventory, poolSize, timeouts.Inventory, tables.ledger, deciding);
    for (const fn of [payment, inventory]) {
      // Fan-in: read the order, record a side, finish it; compensation: refund, release stock.
      tables.orders.grant(fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
      tables.stock.grant(fn, 'dynamodb:UpdateItem');
      tables.charges.grant(fn, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
      tables.control.grant(fn, 'dynamodb:GetItem');
    }
    // Only payment writes the breaker's shared state (with its transition records) and the provider's call log.
    tables.control.grant(payment, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    const notification = this.pool('Notification', queues.Notification, poolSize, timeouts.Notification, tables.ledger, {
      NOTIFICATIONS_TABLE_NAME: tables.notifications.tableName,
    });
    tables.notifications.grant(notification, 'dynamodb:PutItem');

    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'orders-alarms', enforceSSL: true });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'The alarm topic carries only alarm state changes; CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key would bill $1 a month for no data worth hiding.',
    });
    if (props.alarmEmail !== undefined && props.alarmEmail !== '') {
      this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    this.alarms = (Object.keys(SERVICES) as ServiceName[]).flatMap((name) => this.queueAlarms(name, queues[name], Duration.seconds(alarmPeriodSeconds)));

    this.output('ApiUrl', this.api.apiEndpoint, 'Base URL of the order API (POST /orders)');
    this.output('OrderTopicArn', this.orderTopic.topic.topicArn, 'Topic the intake publishes OrderPlaced to');
    for (const name of Object.keys(SERVICES) as ServiceName[]) {
      this.output(`${name}QueueUrl`, queues[name].queue.queueUrl, `Work queue of the ${name.toLowerCase()} pool`);
      this.output(`${name}DeadLetterQueueUrl`, queues[name].deadLetterQueue.queueUrl, `Orders the ${name.toLowerCase()} pool failed maxReceiveCount times`);
    }
    this.output('OrdersTableName', tables.orders.tableName, 'Orders and their saga state');
    this.output('ChargesTableName', tables.charges.tableName, 'The simulated provider\'s charges, one per order');
    this.output('StockTableName', tables.stock.tableName, 'Stock per SKU, with the orders holding it');
    this.output('NotificationsTableName', tables.notifications.tableName, 'Confirmation e-mails, one per order');
    this.output('ControlTableName', tables.control.tableName, 'Fault switches and the payment breaker\'s state');
    this.output('LedgerTableName', tables.ledger.tableName, 'Which worker took each delivery of an order, per service, with its retries');
    this.output('AlarmTopicArn', this.alarmTopic.topicArn, 'Topic the queue alarms notify');
    this.output('IntakeFunctionName', intake.functionName, 'The order API\'s function');
    this.output('PaymentFunctionName', payment.functionName, 'The payment worker');
    this.output('InventoryFunctionName', inventory.functionName, 'The inventory worker');
    this.output('NotificationFunctionName', notification.functionName, 'The notification worker');
    this.output('PoolSize', String(poolSize), 'Workers per service');
    this.output('BreakerFailureThreshold', String(BREAKER_FAILURE_THRESHOLD), 'Consecutive provider failures that open the payment breaker');
    this.output('BreakerCoolDownMs', String(breakerCoolDownSeconds * 1000), 'How long the payment breaker stays open before a probe');
    // The lab computes from these the retries and redeliveries its planned orders must see.
    this.output('PaymentRetries', String(PAYMENT_RETRIES), 'In-process retries of a transient payment provider error per delivery');
    this.output('PaymentRedeliveryBaseSeconds', String(PAYMENT_REDELIVERY_BASE_SECONDS), 'Visibility timeout after a failed payment delivery, doubled per receive');
    this.output('PaymentMaxReceiveCount', String(SERVICES.Payment.maxReceiveCount), 'Deliveries of a payment message before its DLQ');
  }

  /** `POST /orders` on an HTTP API whose default stage is throttled and access-logged. */
  private orderApi(intake: LabFunction): HttpApi {
    const api = new HttpApi(this, 'OrderApi', { createDefaultStage: false, description: 'messaging-labs order API' });
    api.addRoutes({ path: '/orders', methods: [HttpMethod.POST], integration: new HttpLambdaIntegration('PlaceOrder', intake) });
    const accessLogs = new LogGroup(this, 'OrderApiAccessLogs', {
      retention: RetentionDays.ONE_WEEK,
      // Labs are disposable: the logs go with the stack on `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'OrderApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      // A public lab endpoint: a runaway load generator is capped here, not at the workers.
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    for (const route of api.node.findAll().filter((c) => c.node.id === 'Resource' && c.node.scope?.node.id.startsWith('POST'))) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'A lab order API for load generators and curl; requests carry no identity, and the stage throttles them.',
      });
    }
    return api;
  }

  /** One service's pool: a worker function on its queue, `poolSize` at a time, partial batch responses, writing the ledger. */
  private pool(name: ServiceName, queue: SubscribedQueue, poolSize: number, timeout: Duration, ledger: LabTable, environment: Record<string, string>): LabFunction {
    const handler = new LabFunction(this, `${name}Worker`, {
      entry: join(LAMBDA_DIR, `${name.toLowerCase()}.ts`),
      timeout,
      serviceName: `orders-${name.toLowerCase()}`,
      // The queue's maxReceiveCount: a worker's log line says when a failed delivery was the order's last.
      environment: { ...environment, LEDGER_TABLE_NAME: ledger.tableName, MAX_RECEIVE_COUNT: String(SERVICES[name].maxReceiveCount) },
    });
    // One update per delivery appends it to the order's entry of this service.
    ledger.grant(handler, 'dynamodb:UpdateItem');
    handler.addEventSource(
      new SqsEventSource(queue.queue, { batchSize: SERVICES[name].batchSize, maxConcurrency: poolSize, reportBatchItemFailures: true }),
    );
    return handler;
  }

  /** A work queue whose oldest message waits too long, and a dead-letter queue that holds anything. */
  private queueAlarms(name: ServiceName, queue: SubscribedQueue, period: Duration): Alarm[] {
    const age = new Alarm(this, `${name}QueueAgeAlarm`, {
      alarmDescription: `The ${name.toLowerCase()} queue's oldest order has waited over ${period.toSeconds()} s: its pool is down or overrun`,
      metric: queue.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      threshold: period.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const deadLetters = new Alarm(this, `${name}DeadLetterAlarm`, {
      alarmDescription: `The ${name.toLowerCase()} dead-letter queue holds orders: inspect them, then run \`labs orders redrive --queue ${name.toLowerCase()}\``,
      metric: queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [age, deadLetters]) alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return [age, deadLetters];
  }
}
