import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { sourceTypeOf } from '../arns';
import type { DynamoDbStreamEventSourceSpec, EventSourceSpec, FunctionSpec, KinesisEventSourceSpec, SqsEventSourceSpec, StreamEventSourceSpec } from '../model';
import { functionNamed, LAMBDA_DEFAULTS, type Destinations } from './lambda';
import { arn, rejectUnsupported, required, type ProvisionedResource, type ResourceInput } from './resource-provisioner';

/** SQS's visibility timeout when the queue sets none. */
const SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;

/** Mapping settings with no local meaning (tags, metrics, KMS key of filter criteria). */
const MAPPING_PROPERTIES_IGNORED = ['Tags', 'MetricsConfig', 'KmsKeyArn'];
const MAPPING_PROPERTIES = [
  'FunctionName',
  'EventSourceArn',
  'Enabled',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'ScalingConfig',
  'FunctionResponseTypes',
  'StartingPosition',
  'StartingPositionTimestamp',
  'ParallelizationFactor',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'DestinationConfig',
];

/** What every kind of mapping reads the same way. */
interface MappingInput {
  readonly input: ResourceInput;
  readonly sourceArn: string;
  /** The function it invokes. */
  readonly fn: Pick<FunctionSpec, 'logicalId' | 'functionName' | 'timeoutSeconds'>;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
}

type MappingSettings = (mapping: MappingInput) => Promise<EventSourceSpec>;

/**
 * The settings of each kind of mapping, by what its EventSourceArn names (`sourceTypeOf`), with
 * Lambda's defaults for what the template leaves out. A new kind of source is one line here.
 */
const MAPPINGS: Readonly<Record<string, MappingSettings>> = {
  sqs: sqsMapping,
  'kinesis:stream': kinesisMapping,
  'kinesis:consumer': kinesisMapping,
  'dynamodb:stream': dynamodbStreamMapping,
};

/** AWS::Lambda::EventSourceMapping: the settings the runtime's poller for it will apply. */
export async function createEventSourceMapping(input: ResourceInput): Promise<ProvisionedResource> {
  const known = new Set([...MAPPING_PROPERTIES_IGNORED, ...MAPPING_PROPERTIES]);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  const p = input.properties;
  const fn = functionNamed(input.state, input, required<string>(input, 'FunctionName'));
  const sourceArn = required<string>(input, 'EventSourceArn');
  const settings = MAPPINGS[sourceTypeOf(sourceArn)];
  if (settings === undefined) {
    throw new Error(
      `cannot provision ${input.type} (${input.logicalId}): event source ${sourceArn} is not supported by the local cloud (SQS queues, Kinesis streams and stream consumers, DynamoDB table streams are)`,
    );
  }
  const spec = await settings({
    input,
    sourceArn,
    fn,
    maximumBatchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
    reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
    enabled: p.Enabled === undefined ? true : String(p.Enabled) === 'true',
  });
  input.state.eventSources.push(spec);
  const uuid = randomUUID();
  return { ref: uuid, attributes: { Id: uuid, EventSourceMappingArn: arn(input.pseudo, 'lambda', `event-source-mapping:${uuid}`) } };
}

async function sqsMapping({ input, sourceArn, fn, ...common }: MappingInput): Promise<SqsEventSourceSpec> {
  const queueUrl = input.state.queueUrlsByArn[sourceArn];
  if (!queueUrl) {
    throw new Error(`${input.type} (${input.logicalId}) reads queue ${sourceArn}, which is not a queue of this stack`);
  }
  // Lambda refuses such a mapping: a batch still running would become visible to another poller.
  const { Attributes } = await input.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }));
  const visibilityTimeout = Number(Attributes?.VisibilityTimeout ?? SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS);
  if (visibilityTimeout < fn.timeoutSeconds) {
    throw new Error(
      `cannot provision ${input.type} (${input.logicalId}): queue visibility timeout ${visibilityTimeout} s is less than function ${fn.logicalId}'s timeout ${fn.timeoutSeconds} s, which Lambda rejects; give the queue a visibility timeout of at least the function timeout (6 times it is AWS's advice)`,
    );
  }
  const maximumConcurrency = (input.properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency;
  return {
    kind: 'sqs',
    logicalId: input.logicalId,
    functionName: fn.functionName,
    queueArn: sourceArn,
    queueUrl,
    batchSize: Number(input.properties.BatchSize ?? LAMBDA_DEFAULTS.sqsBatchSize),
    ...(maximumConcurrency !== undefined ? { maximumConcurrency: Number(maximumConcurrency) } : {}),
    ...common,
  };
}

async function kinesisMapping(mapping: MappingInput): Promise<KinesisEventSourceSpec> {
  const { sourceArn } = mapping;
  // arn:aws:kinesis:<region>:<account>:stream/<name>[/consumer/<consumer>:<timestamp>]
  const resource = sourceArn.split(':').slice(5).join(':');
  const [, streamName, consumerPart, consumerId] = resource.split('/');
  const consumerArn = consumerPart === 'consumer' ? sourceArn : undefined;
  const streamArn = consumerArn ? sourceArn.slice(0, sourceArn.indexOf('/consumer/')) : sourceArn;
  return {
    kind: 'kinesis',
    streamName,
    ...(consumerArn ? { consumerArn, consumerName: consumerId.split(':')[0] } : {}),
    ...streamSettings(mapping, streamArn),
  };
}

async function dynamodbStreamMapping(mapping: MappingInput): Promise<DynamoDbStreamEventSourceSpec> {
  const { input, sourceArn } = mapping;
  // arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>
  const [, tableName] = sourceArn.split(':').slice(5).join(':').split('/');
  const settings = streamSettings(mapping, sourceArn);
  if (settings.startingPosition === 'AT_TIMESTAMP') {
    throw new Error(`cannot provision ${input.type} (${input.logicalId}): a DynamoDB stream mapping starts at TRIM_HORIZON or LATEST, as on Lambda, not AT_TIMESTAMP`);
  }
  return { kind: 'dynamodb', tableName: tableName ?? '', ...settings };
}

/** The settings every stream mapping shares, with Lambda's defaults (Kinesis and DynamoDB Streams have the same ones). */
function streamSettings({ input, fn, ...common }: MappingInput, streamArn: string): StreamEventSourceSpec {
  const p = input.properties;
  const onFailure = (p.DestinationConfig as Destinations | undefined)?.OnFailure?.Destination;
  return {
    logicalId: input.logicalId,
    functionName: fn.functionName,
    streamArn,
    batchSize: Number(p.BatchSize ?? LAMBDA_DEFAULTS.kinesisBatchSize),
    maximumBatchingWindowSeconds: common.maximumBatchingWindowSeconds,
    startingPosition: required<StreamEventSourceSpec['startingPosition']>(input, 'StartingPosition'),
    ...(p.StartingPositionTimestamp !== undefined ? { startingPositionTimestamp: Number(p.StartingPositionTimestamp) } : {}),
    parallelizationFactor: Number(p.ParallelizationFactor ?? LAMBDA_DEFAULTS.parallelizationFactor),
    bisectBatchOnFunctionError: String(p.BisectBatchOnFunctionError ?? false) === 'true',
    maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? LAMBDA_DEFAULTS.kinesisMaximumRetryAttempts),
    maximumRecordAgeSeconds: Number(p.MaximumRecordAgeInSeconds ?? LAMBDA_DEFAULTS.kinesisMaximumRecordAgeSeconds),
    ...(onFailure ? { onFailureDestinationArn: onFailure } : {}),
    reportBatchItemFailures: common.reportBatchItemFailures,
    enabled: common.enabled,
  };
}
