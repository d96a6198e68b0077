import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { alarmDefinitionsOf, alarmTimeline, evaluateAlarm, type AlarmDefinition, type QueueSample } from '../../../labs/scenarios/alarm-evaluation';
import { projectContext } from '../../../lib/app';
import { OrdersStack } from '../../../lib/stacks/orders-stack';

const AGE: AlarmDefinition = {
  name: 'PaymentQueueAgeAlarm',
  metric: 'ApproximateAgeOfOldestMessage',
  queueId: 'PaymentQueue',
  statistic: 'Maximum',
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 60,
  comparison: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
};

/** Samples of the payment queue's oldest-message age, one per `[seconds, age]`. */
const ages = (...points: Array<[number, number]>): QueueSample[] =>
  points.map(([seconds, age]) => ({ t: seconds * 1000, queues: { PaymentQueue: { visible: 1, ageOfOldestSeconds: age } } }));

describe('alarmDefinitionsOf', () => {
  test('reads the six queue alarms of LabOrders as the template defines them', () => {
    const app = new App({ context: { ...projectContext(), 'aws:cdk:bundling-stacks': [] } });
    const resources = Template.fromStack(new OrdersStack(app, 'LabOrders', { context: () => undefined })).toJSON()['Resources'] as Record<string, { Type: string }>;
    const alarms = alarmDefinitionsOf(resources);
    expect(alarms).toHaveLength(6);
    expect(alarms.map((a) => [a.metric, a.threshold, a.statistic, a.periodSeconds, a.treatMissingData])).toEqual(
      expect.arrayContaining([
        ['ApproximateAgeOfOldestMessage', 60, 'Maximum', 60, 'notBreaching'],
        ['ApproximateNumberOfMessagesVisible', 0, 'Maximum', 60, 'notBreaching'],
      ]),
    );
    for (const alarm of alarms) expect(resources[alarm.queueId]?.Type).toBe('AWS::SQS::Queue');
  });

  test.each([
    ['another namespace', { Namespace: 'AWS/Lambda' }, /its namespace is AWS\/Lambda, not AWS\/SQS/],
    ['a metric the lab does not sample', { MetricName: 'NumberOfMessagesSent' }, /not NumberOfMessagesSent/],
    ['an extended statistic', { Statistic: 'p99' }, /statistic p99 is not one of/],
  ])('fails if an alarm has %s, naming it', (_name, overrides, message) => {
    const resources = {
      Bad: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateAgeOfOldestMessage',
          Statistic: 'Maximum',
          ComparisonOperator: 'GreaterThanThreshold',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['Q', 'QueueName'] } }],
          ...overrides,
        },
      },
    };
    expect(() => alarmDefinitionsOf(resources)).toThrow(new RegExp(`alarm Bad cannot be evaluated.*${message.source}`));
  });
});

describe('evaluateAlarm', () => {
  test.each<[string, QueueSample[], Partial<AlarmDefinition>, { state: string; since: number }]>([
    ['stays OK while the oldest message is young', ages([0, 5], [30, 20], [90, 40]), {}, { state: 'OK', since: 0 }],
    ['goes to ALARM in the period whose maximum breaches', ages([0, 5], [65, 30], [110, 75]), {}, { state: 'ALARM', since: 60_000 }],
    ['returns to OK once the backlog drained', ages([0, 5], [70, 90], [130, 0]), {}, { state: 'OK', since: 120_000 }],
    ['needs every evaluation period to breach', ages([0, 90], [70, 10], [130, 90]), { evaluationPeriods: 2, datapointsToAlarm: 2 }, { state: 'OK', since: 0 }],
    ['alarms after two breaching periods in a row', ages([0, 10], [70, 90], [130, 90]), { evaluationPeriods: 2, datapointsToAlarm: 2 }, { state: 'ALARM', since: 120_000 }],
    ['averages within a period when asked', ages([60, 100], [90, 0]), { statistic: 'Average' }, { state: 'OK', since: 60_000 }],
  ])('%s', (_name, samples, overrides, expected) => {
    expect(evaluateAlarm({ ...AGE, ...overrides }, samples)).toEqual({ name: AGE.name, ...expected });
  });

  test('has no state before any sample', () => {
    expect(evaluateAlarm(AGE, [])).toEqual({ name: AGE.name, state: 'INSUFFICIENT_DATA', since: 0 });
  });

  test('counts a period with no sample as not breaching when the alarm says so', () => {
    expect(evaluateAlarm(AGE, ages([0, 90], [200, 90])).state).toBe('ALARM');
    expect(evaluateAlarm({ ...AGE, evaluationPeriods: 3, datapointsToAlarm: 3 }, ages([0, 90], [200, 90])).state).toBe('OK');
  });
});

describe('alarmTimeline', () => {
  test('gives every change: OK, ALARM while the backlog is old, OK once it drained', () => {
    expect(alarmTimeline(AGE, ages([0, 5], [70, 90], [100, 95], [130, 0], [200, 0]))).toEqual([
      { at: 0, state: 'OK' },
      { at: 60_000, state: 'ALARM' },
      { at: 120_000, state: 'OK' },
    ]);
  });

  test('stays INSUFFICIENT_DATA while no period has a datapoint', () => {
    expect(alarmTimeline({ ...AGE, treatMissingData: 'missing' }, [{ t: 0, queues: {} }, { t: 70_000, queues: {} }])).toEqual([
      { at: 0, state: 'INSUFFICIENT_DATA' },
    ]);
  });
});
