/**
 * CloudWatch alarms evaluated by the lab itself, for the local cloud (which has no CloudWatch): the
 * alarm definitions are read from the synthesized template, the metrics come from the queue attributes
 * the lab samples, and the evaluation follows CloudWatch's rules (statistic per period, the last
 * EvaluationPeriods periods, DatapointsToAlarm of them breaching, missing data as the alarm says).
 */

/** The SQS metrics the lab can sample, by CloudWatch metric name. */
export const SAMPLED_SQS_METRICS = {
  ApproximateNumberOfMessagesVisible: 'visible',
  ApproximateAgeOfOldestMessage: 'ageOfOldestSeconds',
} as const;

type SampledMetric = keyof typeof SAMPLED_SQS_METRICS;

export interface AlarmDefinition {
  /** The alarm's logical id. */
  readonly name: string;
  readonly metric: SampledMetric;
  /** Logical id of the queue the alarm watches. */
  readonly queueId: string;
  readonly statistic: 'Maximum' | 'Minimum' | 'Average' | 'Sum' | 'SampleCount';
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
  readonly treatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

const STATISTICS = new Set(['Maximum', 'Minimum', 'Average', 'Sum', 'SampleCount']);
const COMPARISONS = new Set(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']);

/**
 * Every AWS::CloudWatch::Alarm of a template. An alarm the lab could not evaluate from queue samples
 * (another namespace or metric, a metric math expression, an extended statistic) is an error naming it.
 */
export function alarmDefinitionsOf(resources: Readonly<Record<string, TemplateResource>>): AlarmDefinition[] {
  const definitions: AlarmDefinition[] = [];
  for (const [name, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::CloudWatch::Alarm') continue;
    const p = resource.Properties ?? {};
    const cannot = (why: string) => new Error(`alarm ${name} cannot be evaluated from sampled queue attributes: ${why}`);
    if (p['Namespace'] !== 'AWS/SQS') throw cannot(`its namespace is ${String(p['Namespace'])}, not AWS/SQS`);
    const metric = String(p['MetricName']);
    if (!(metric in SAMPLED_SQS_METRICS)) throw cannot(`the lab samples ${Object.keys(SAMPLED_SQS_METRICS).join(' and ')}, not ${metric}`);
    const statistic = String(p['Statistic']);
    if (!STATISTICS.has(statistic)) throw cannot(`statistic ${statistic} is not one of ${[...STATISTICS].join(', ')}`);
    const comparison = String(p['ComparisonOperator']);
    if (!COMPARISONS.has(comparison)) throw cannot(`comparison ${comparison} is not supported`);
    const dimensions = (p['Dimensions'] as Array<{ Name: string; Value: unknown }> | undefined) ?? [];
    const queue = dimensions.find((d) => d.Name === 'QueueName')?.Value as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const queueId = queue?.['Fn::GetAtt']?.[1] === 'QueueName' ? queue['Fn::GetAtt'][0] : undefined;
    if (dimensions.length !== 1 || queueId === undefined) throw cannot('its one dimension must be QueueName of a queue of this stack (Fn::GetAtt QueueName)');
    const evaluationPeriods = Number(p['EvaluationPeriods']);
    definitions.push({
      name,
      metric: metric as SampledMetric,
      queueId,
      statistic: statistic as AlarmDefinition['statistic'],
      periodSeconds: Number(p['Period']),
      evaluationPeriods,
      datapointsToAlarm: p['DatapointsToAlarm'] === undefined ? evaluationPeriods : Number(p['DatapointsToAlarm']),
      threshold: Number(p['Threshold']),
      comparison: comparison as AlarmDefinition['comparison'],
      treatMissingData: (p['TreatMissingData'] as AlarmDefinition['treatMissingData'] | undefined) ?? 'missing',
    });
  }
  return definitions;
}

/** One sampling of every queue's attributes, by queue logical id. */
export interface QueueSample {
  /** Epoch ms. */
  readonly t: number;
  readonly queues: Readonly<Record<string, { readonly visible: number; readonly ageOfOldestSeconds: number }>>;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmVerdict {
  readonly name: string;
  readonly state: AlarmState;
  /** Epoch ms of the start of the period in which the alarm entered `state` (the first sample's period when it never changed). */
  readonly since: number;
}

function statisticOf(values: readonly number[], statistic: AlarmDefinition['statistic']): number {
  switch (statistic) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}

function breaches(value: number, alarm: AlarmDefinition): boolean {
  switch (alarm.comparison) {
    case 'GreaterThanThreshold':
      return value > alarm.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.threshold;
    case 'LessThanThreshold':
      return value < alarm.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= alarm.threshold;
  }
}

/** One change of an alarm's state: from the start of the period `at` (epoch ms). */
export interface AlarmTransition {
  readonly at: number;
  readonly state: AlarmState;
}

/**
 * Every state `alarm` takes over `samples` (in time order), period by period as CloudWatch would set
 * it: INSUFFICIENT_DATA until a datapoint, then each change. Empty when there are no samples.
 */
export function alarmTimeline(alarm: AlarmDefinition, samples: readonly QueueSample[]): AlarmTransition[] {
  const periodMs = alarm.periodSeconds * 1000;
  const field = SAMPLED_SQS_METRICS[alarm.metric];
  if (samples.length === 0) return [];
  const first = Math.floor(samples[0]!.t / periodMs);
  const last = Math.floor(samples[samples.length - 1]!.t / periodMs);
  const byPeriod = new Map<number, number[]>();
  for (const sample of samples) {
    const value = sample.queues[alarm.queueId]?.[field];
    if (value === undefined) continue;
    const period = Math.floor(sample.t / periodMs);
    byPeriod.set(period, [...(byPeriod.get(period) ?? []), value]);
  }
  // true: breaching, false: not, undefined: missing (and, for `ignore`/`missing`, left out).
  const datapoint = (period: number): boolean | undefined => {
    const values = byPeriod.get(period);
    if (values === undefined || values.length === 0) {
      return alarm.treatMissingData === 'breaching' ? true : alarm.treatMissingData === 'notBreaching' ? false : undefined;
    }
    return breaches(statisticOf(values, alarm.statistic), alarm);
  };
  const timeline: AlarmTransition[] = [{ at: first * periodMs, state: 'INSUFFICIENT_DATA' }];
  for (let period = first; period <= last; period += 1) {
    const window = Array.from({ length: alarm.evaluationPeriods }, (_, i) => datapoint(period - alarm.evaluationPeriods + 1 + i)).filter(
      (d): d is boolean => d !== undefined,
    );
    const state = timeline[timeline.length - 1]!.state;
    // No datapoint in the window: the alarm keeps its state (INSUFFICIENT_DATA before any).
    const next: AlarmState = window.length === 0 ? state : window.filter(Boolean).length >= alarm.datapointsToAlarm ? 'ALARM' : 'OK';
    if (next === state) continue;
    // A first datapoint replaces the opening INSUFFICIENT_DATA of the same period.
    if (timeline.length === 1 && timeline[0]!.at === period * periodMs) timeline[0] = { at: period * periodMs, state: next };
    else timeline.push({ at: period * periodMs, state: next });
  }
  return timeline;
}

/** The state of `alarm` over `samples` (in time order): after each period, as CloudWatch would set it. */
export function evaluateAlarm(alarm: AlarmDefinition, samples: readonly QueueSample[]): AlarmVerdict {
  const timeline = alarmTimeline(alarm, samples);
  const last = timeline[timeline.length - 1];
  return last === undefined ? { name: alarm.name, state: 'INSUFFICIENT_DATA', since: 0 } : { name: alarm.name, state: last.state, since: last.at };
}
