import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  RegisterStreamConsumerCommand,
  type StreamMode,
} from '@aws-sdk/client-kinesis';
import { NAME_LIMITS, physicalName } from './names';
import { rejectUnsupported, required, type ProvisionedResource, type ResourceInput } from './resource-provisioner';
import { waitFor } from './wait-for-active';

/** Encryption at rest and tags have no local meaning. */
const STREAM_PROPERTIES_IGNORED = ['StreamEncryption', 'Tags', 'DesiredShardLevelMetrics'];

export async function createStream(input: ResourceInput): Promise<ProvisionedResource> {
  const known = new Set([...STREAM_PROPERTIES_IGNORED, 'Name', 'ShardCount', 'StreamModeDetails', 'RetentionPeriodHours']);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  const streamName =
    (input.properties.Name as string | undefined) ??
    physicalName(input.stackName, input.logicalId, { maxLength: NAME_LIMITS.stream });
  const mode = (input.properties.StreamModeDetails as { StreamMode?: StreamMode } | undefined)?.StreamMode;
  const onDemand = mode === 'ON_DEMAND';
  await input.clients.kinesis.send(
    new CreateStreamCommand({
      StreamName: streamName,
      ...(onDemand ? {} : { ShardCount: Number(input.properties.ShardCount ?? 1) }),
      ...(mode ? { StreamModeDetails: { StreamMode: mode } } : {}),
    }),
  );
  const summary = await waitFor(
    `stream ${streamName}`,
    () => input.clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })),
    (s) => s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
  );
  const retention = input.properties.RetentionPeriodHours;
  if (retention !== undefined && Number(retention) > 24) {
    await input.clients.kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: streamName, RetentionPeriodHours: Number(retention) }),
    );
  }
  const streamArn = summary.StreamDescriptionSummary!.StreamARN!;
  return { ref: streamName, attributes: { Arn: streamArn } };
}

/** AWS::Kinesis::StreamConsumer: registered and waited on until ACTIVE; its Ref is the consumer ARN. */
export async function createStreamConsumer(input: ResourceInput): Promise<ProvisionedResource> {
  rejectUnsupported(
    input,
    Object.keys(input.properties).filter((name) => !['StreamARN', 'ConsumerName', 'Tags'].includes(name)),
  );
  const streamArn = required<string>(input, 'StreamARN');
  const consumerName = required<string>(input, 'ConsumerName');
  const { Consumer } = await input.clients.kinesis.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
  );
  const consumerArn = Consumer!.ConsumerARN!;
  const described = await waitFor(
    `stream consumer ${consumerName}`,
    () => input.clients.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn })),
    (d) => d.ConsumerDescription?.ConsumerStatus === 'ACTIVE',
  );
  return {
    ref: consumerArn,
    attributes: {
      ConsumerARN: consumerArn,
      ConsumerName: consumerName,
      StreamARN: streamArn,
      ConsumerStatus: 'ACTIVE',
      ConsumerCreationTimestamp: described.ConsumerDescription?.ConsumerCreationTimestamp?.toISOString() ?? '',
    },
  };
}
