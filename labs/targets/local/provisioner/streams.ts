import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  MergeShardsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  type KinesisClient,
  type StreamMode,
} from '@aws-sdk/client-kinesis';
import { NAME_LIMITS, physicalName } from './names';
import { rejectUnsupported, required, type ProvisionedResource, type ResourceInput } from './resource-provisioner';
import { checkShardCountUpdate, nextScalingStep, type OpenShard, type ScalingStep } from './uniform-scaling';
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

/** What an update of a stream's ShardCount did: the SplitShard and MergeShards calls, in order. */
export interface ShardCountUpdate {
  readonly streamName: string;
  readonly from: number;
  readonly to: number;
  readonly steps: readonly ScalingStep[];
}

/**
 * A changed ShardCount of an AWS::Kinesis::Stream, applied as CloudFormation does (UpdateShardCount,
 * UNIFORM_SCALING) to the running stream, through the SplitShard and MergeShards calls that reach
 * equal hash key ranges (see uniform-scaling.ts), each waited on until the stream is ACTIVE again.
 */
export async function updateStreamShardCount(kinesis: KinesisClient, streamName: string, target: number): Promise<ShardCountUpdate> {
  const open = await openShards(kinesis, streamName);
  checkShardCountUpdate(open.length, target);
  const steps: ScalingStep[] = [];
  // Every split adds one open shard and every merge removes one: the plan never needs more than this.
  const maxSteps = 2 * (open.length + target);
  for (let shards = open; ; shards = await openShards(kinesis, streamName)) {
    const step = nextScalingStep(shards, target);
    if (step === undefined) break;
    if (steps.length >= maxSteps) throw new Error(`resizing stream ${streamName} to ${target} shards did not settle within ${maxSteps} steps`);
    if (step.kind === 'split') {
      await kinesis.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: step.shardId, NewStartingHashKey: step.newStartingHashKey.toString() }));
    } else {
      await kinesis.send(new MergeShardsCommand({ StreamName: streamName, ShardToMerge: step.shardId, AdjacentShardToMerge: step.adjacentShardId }));
    }
    steps.push(step);
    await waitFor(
      `stream ${streamName}`,
      () => kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })),
      (s) => s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    );
  }
  return { streamName, from: open.length, to: target, steps };
}

async function openShards(kinesis: KinesisClient, streamName: string): Promise<OpenShard[]> {
  const shards: OpenShard[] = [];
  let nextToken: string | undefined;
  do {
    const response = await kinesis.send(new ListShardsCommand(nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken }));
    for (const shard of response.Shards ?? []) {
      if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue;
      shards.push({
        shardId: String(shard.ShardId),
        startingHashKey: BigInt(String(shard.HashKeyRange?.StartingHashKey)),
        endingHashKey: BigInt(String(shard.HashKeyRange?.EndingHashKey)),
      });
    }
    nextToken = response.NextToken;
  } while (nextToken !== undefined);
  return shards;
}
