import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectContext } from '../../../lib/app';
import { BREAKER_COOL_DOWN_SECONDS, BREAKER_FAILURE_THRESHOLD, ORDERS_OUTPUTS, OrdersStack, type OrdersStackProps } from '../../../lib/stacks/orders-stack';
import { formatFindings, nagFindings } from '../../helpers/nag';
import { topicOnlyQueuePolicy } from '../../helpers/queue-policies';
import { expectNothingRetained } from '../../helpers/teardown';

const SERVICES = ['Payment', 'Inventory', 'Notification'] as const;
/** The order topic's logical id (the queues' ids share its prefix). */
const TOPIC_ID = '^OrderTopic[0-9A-F]{8}$';

/** LabOrders as `cdk synth` builds it (cdk.json's flags, validation on), without bundling. */
function ordersApp(props: Partial<OrdersStackProps> = {}, outdir?: string): { app: App; stack: OrdersStack } {
  const app = new App({ context: { ...projectContext(), 'aws:cdk:bundling-stacks': [] }, ...(outdir ? { outdir } : {}) });
  const stack = new OrdersStack(app, 'LabOrders', { context: (key) => app.node.tryGetContext(key), ...props });
  return { app, stack };
}

describe('LabOrders', () => {
  const template = Template.fromStack(ordersApp().stack);

  test('matches the reviewed template', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('serves POST /orders through an HTTP API to the intake function, payload format 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /orders', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Intake'), 'Arn'] },
    });
  });

  test('throttles and access-logs the API\'s default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrderApiAccessLogs'), 'Arn'] } },
    });
  });

  test('fans the order topic out to payment, inventory and notification queues, raw, each with its subscription dead-letter queue', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    for (const name of SERVICES) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        TopicArn: { Ref: Match.stringLikeRegexp(TOPIC_ID) },
        Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderTopic${name}Queue`), 'Arn'] },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderTopic${name}SubscriptionDeadLetterQueue`), 'Arn'] } },
      });
    }
  });

  test.each([
    ['Payment', 60, 6],
    ['Inventory', 30, 5],
    ['Notification', 30, 3],
  ])('gives the %s queue a %i s visibility timeout, its DLQ after %i receives, and a retention of one day', (name, visibility, receives) => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: visibility,
      MessageRetentionPeriod: 86_400,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderTopic${name}DeadLetterQueue`), 'Arn'] }, maxReceiveCount: receives },
    });
  });

  test('encrypts every queue with SSE-SQS and lets only the order topic send to the work queues', () => {
    template.resourceCountIs('AWS::SQS::Queue', 9);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    for (const name of SERVICES) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', topicOnlyQueuePolicy(`OrderTopic${name}Queue`, 'OrderTopic[0-9A-F]{8}$'));
    }
  });

  test.each([
    ['Payment', 1, 10],
    ['Inventory', 5, 5],
    ['Notification', 5, 5],
  ])('consumes the %s queue with its own pool of 3 (batches of %i, timeout %i s, partial batch responses)', (name, batchSize, timeout) => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderTopic${name}Queue`), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp(`^${name}Worker`) },
      BatchSize: batchSize,
      ScalingConfig: { MaximumConcurrency: 3 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: timeout,
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: `orders-${name.toLowerCase()}` }) },
    });
  });

  test.each([
    ['Payment', 6],
    ['Inventory', 5],
    ['Notification', 3],
  ])('tells the %s worker its queue\'s maxReceiveCount (%i), so its last failed delivery is logged as dead-lettered', (name, count) => {
    const queue = Object.entries(template.findResources('AWS::SQS::Queue')).find(([id]) => new RegExp(`^OrderTopic${name}Queue[0-9A-F]{8}$`).test(id))?.[1];
    expect(queue?.Properties.RedrivePolicy.maxReceiveCount).toBe(count);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: `orders-${name.toLowerCase()}`, MAX_RECEIVE_COUNT: String(count) }) },
    });
  });

  test('takes the pool size from context', () => {
    const custom = Template.fromStack(ordersApp({ poolSize: 5 }).stack);
    custom.allResourcesProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 5 } });
    custom.hasOutput('PoolSize', { Value: '5' });
  });

  test('takes the payment timeout from context, and gives its queue six times it', () => {
    const custom = Template.fromStack(ordersApp({ paymentTimeoutSeconds: 5 }).stack);
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 5,
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'orders-payment' }) },
    });
    const paymentQueue = (t: Template) =>
      Object.entries(t.findResources('AWS::SQS::Queue')).find(([id]) => /^OrderTopicPaymentQueue[0-9A-F]{8}$/.test(id))?.[1].Properties.VisibilityTimeout;
    expect([paymentQueue(template), paymentQueue(custom)]).toEqual([60, 30]);
  });

  test('gives the payment worker its breaker and retry settings and its own queue url', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PAYMENT_QUEUE_URL: { Ref: Match.stringLikeRegexp('^OrderTopicPaymentQueue') },
          BREAKER_FAILURE_THRESHOLD: String(BREAKER_FAILURE_THRESHOLD),
          BREAKER_COOL_DOWN_MS: String(BREAKER_COOL_DOWN_SECONDS * 1000),
          PAYMENT_RETRIES: '2',
          REDELIVERY_BASE_SECONDS: '2',
        }),
      },
    });
  });

  test('keeps seven on-demand tables, the idempotency table and the ledger with TTL attributes', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 7);
    template.allResourcesProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
    for (const key of ['orderId', 'sku', 'id']) {
      template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: [{ AttributeName: key, KeyType: 'HASH' }] });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true } });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'service', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test.each(SERVICES)('lets the %s worker append its deliveries to the ledger, and tells it the table', (service) => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LEDGER_TABLE_NAME: { Ref: Match.stringLikeRegexp('^Ledger') } }) },
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${service}WorkerServiceRole`), 'Arn'] },
    });
    // CDK merges statements of one action, so the ledger may share its UpdateItem statement with others.
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${service}WorkerServiceRole`) }] } }),
    );
    const statements = policies.flatMap((p) => (p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]));
    const updatable = statements
      .filter((st) => [st.Action].flat().includes('dynamodb:UpdateItem'))
      .flatMap((st) => [st.Resource].flat() as { 'Fn::GetAtt'?: [string, string] }[])
      .map((r) => r['Fn::GetAtt']?.[0] ?? '');
    expect(updatable.filter((id) => id.startsWith('Ledger'))).toHaveLength(1);
  });

  test('expires the control table\'s records of breaker transitions and provider calls', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('takes the breaker\'s cool-down from context, for the worker and the lab', () => {
    const short = Template.fromStack(ordersApp({ breakerCoolDownSeconds: 2 }).stack);
    short.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ BREAKER_COOL_DOWN_MS: '2000' }) } });
    short.hasOutput('BreakerCoolDownMs', { Value: '2000' });
  });

  test.each([
    ['publish to the order topic', { Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp(TOPIC_ID) } }],
    ['write and read orders', { Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Orders'), 'Arn'] } }],
  ])('lets the intake %s', (_what, statement) => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^IntakeServiceRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(statement)]) },
    });
  });

  test('has an age alarm on every work queue and a depth alarm on every dead-letter queue, all to the alarm topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      Period: 60,
      Statistic: 'Maximum',
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    for (const name of SERVICES) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: 60,
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderTopic${name}Queue`), 'QueueName'] } }],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^OrderTopic${name}DeadLetterQueue`), 'QueueName'] } }],
      });
    }
  });

  test('sets every queue alarm\'s period, and the age that fires a work queue\'s, from alarmPeriodSeconds', () => {
    const short = Template.fromStack(ordersApp({ alarmPeriodSeconds: 10 }).stack);
    short.allResourcesProperties('AWS::CloudWatch::Alarm', { Period: 10 });
    expect(Object.keys(short.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 10 } }))).toHaveLength(3);
  });

  test('subscribes an e-mail address to the alarm topic only when alarmEmail is given', () => {
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0);
    const withEmail = Template.fromStack(ordersApp({ alarmEmail: 'ops@example.com' }).stack);
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlarmTopic') },
    });
  });

  test('exports every output the lab reads', () => {
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual([...ORDERS_OUTPUTS].sort());
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrderApi[0-9A-F]{8}$'), 'ApiEndpoint'] } });
    template.hasOutput('PoolSize', { Value: '3' });
  });

  test('leaves nothing behind on destroy', () => {
    expectNothingRetained(template);
  });

  test('has no unacknowledged cdk-nag AwsSolutions findings', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'nag-orders-'));
    try {
      const findings = nagFindings(ordersApp({}, outdir).app);
      expect(formatFindings(findings)).toBe('');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test.each([
    [{ poolSize: 1 }, /poolSize must be an integer between 2 and 100, but 1 was provided/],
    [{ poolSize: 101 }, /poolSize must be an integer between 2 and 100, but 101 was provided/],
    [{ alarmPeriodSeconds: 15 }, /alarmPeriodSeconds must be 10, 20, 30 or a multiple of 60 up to 3600, but 15 was provided/],
    [{ alarmPeriodSeconds: 3660 }, /alarmPeriodSeconds must be 10, 20, 30 or a multiple of 60 up to 3600, but 3660 was provided/],
    [{ breakerCoolDownSeconds: 0 }, /breakerCoolDownSeconds must be an integer between 1 and 300, but 0 was provided/],
    [{ breakerCoolDownSeconds: 1.5 }, /breakerCoolDownSeconds must be an integer between 1 and 300, but 1.5 was provided/],
    [{ paymentTimeoutSeconds: 2 }, /paymentTimeoutSeconds must be an integer between 3 and 10, but 2 was provided/],
    [{ paymentTimeoutSeconds: 11 }, /paymentTimeoutSeconds must be an integer between 3 and 10, but 11 was provided/],
  ])('fails if configured with %p', (props, message) => {
    expect(() => ordersApp(props)).toThrow(message);
  });
});
