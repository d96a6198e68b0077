import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  SubscribeToShardCommand,
  type _Record as KinesisRecord,
  type StartingPosition,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { KinesisEventSourceSpec } from '../model';
import { sleep } from './abortable-sleep';
import { ShardEndProbe } from './fan-out-shard-end';
import type { RuntimeContext } from './runtime-context';
import { kinesisRecords } from './kinesis-records';
import type { ShardProcessor } from './shard-processor';
import { ERROR_BACKOFF_MS, StreamSource, type ShardPoller, type ShardPosition, type ShardReader, type StreamShard } from './stream-source';

/** What both Kinesis mappings share: Kinesis records, shards listed with ListShards. */
abstract class KinesisSource extends StreamSource<KinesisRecord, KinesisStreamRecord> {
  constructor(
    context: RuntimeContext,
    protected override readonly spec: KinesisEventSourceSpec,
  ) {
    super(context, spec, kinesisRecords(spec, context.region));
  }

  protected override async listShards(): Promise<StreamShard[]> {
    const shards: StreamShard[] = [];
    let nextToken: string | undefined;
    do {
      const response = await this.context.kinesis().send(
        new ListShardsCommand(nextToken === undefined ? { StreamARN: this.spec.streamArn } : { NextToken: nextToken }),
        { abortSignal: this.context.signal },
      );
      for (const shard of response.Shards ?? []) {
        if (shard.ShardId === undefined) continue;
        shards.push({
          shardId: shard.ShardId,
          parentShardIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => id !== undefined),
          closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        });
      }
      nextToken = response.NextToken;
    } while (nextToken !== undefined);
    return shards;
  }
}

function kinesisPosition(position: ShardPosition): StartingPosition {
  switch (position.type) {
    case 'AT_TIMESTAMP':
      return { Type: 'AT_TIMESTAMP', Timestamp: position.timestamp };
    case 'AFTER_SEQUENCE_NUMBER':
      return { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position.sequenceNumber };
    default:
      return { Type: position.type };
  }
}

/** A standard (polling) mapping: GetRecords on each shard, at most `batchSize` records per call. */
export class KinesisPollingSource extends KinesisSource {
  protected override openShard(
    shardId: string,
    position: ShardPosition,
    processor: ShardProcessor<KinesisRecord>,
    signal: AbortSignal,
  ): Promise<ShardReader> {
    const { context, spec } = this;
    const poller: ShardPoller<KinesisRecord> = {
      async iterator(id, from) {
        const { Type, SequenceNumber, Timestamp } = kinesisPosition(from);
        const response = await context.kinesis().send(
          new GetShardIteratorCommand({ StreamARN: spec.streamArn, ShardId: id, ShardIteratorType: Type, StartingSequenceNumber: SequenceNumber, Timestamp }),
          { abortSignal: signal },
        );
        return response.ShardIterator;
      },
      async getRecords(iterator) {
        const response = await context.kinesis().send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, spec.batchSize), StreamARN: spec.streamArn }),
          { abortSignal: signal },
        );
        return { records: response.Records ?? [], nextIterator: response.NextShardIterator };
      },
      isExpiredIterator: (error) => error instanceof ExpiredIteratorException,
    };
    return this.pollingReader(shardId, position, processor, poller, signal);
  }
}

/**
 * An enhanced fan-out mapping: SubscribeToShard for this consumer on each shard (records pushed over
 * an event stream), renewed from the last sequence number when a subscription ends (after 5 minutes
 * on AWS). Each consumer reads independently of every other consumer and of polling mappings.
 */
export class KinesisFanOutSource extends KinesisSource {
  private readonly ends = new ShardEndProbe(() => this.context.kinesis(), this.spec.streamArn);

  protected override async openShard(
    shardId: string,
    position: ShardPosition,
    processor: ShardProcessor<KinesisRecord>,
    signal: AbortSignal,
  ): Promise<ShardReader> {
    const first = kinesisPosition(position);
    let events = await this.subscribe(shardId, first, signal);
    return async () => {
      let next: StartingPosition = first;
      while (!signal.aborted) {
        try {
          events ??= await this.subscribe(shardId, next, signal);
          if (events === undefined) throw new Error(`SubscribeToShard on ${shardId} returned no event stream`);
          for await (const event of events) {
            if (signal.aborted) return;
            const payload = event.SubscribeToShardEvent;
            if (payload === undefined) throw streamFailure(event);
            const records = payload.Records ?? [];
            if (records.length > 0) processor.push(records);
            // The continuation is the last sequence number delivered (or the shard's position before any),
            // so a renewed subscription resumes right after it, whatever the first position was.
            const resumeAfter = payload.ContinuationSequenceNumber ?? records[records.length - 1]?.SequenceNumber;
            if (resumeAfter !== undefined) next = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: resumeAfter };
            // The shard ended: no continuation, children named.
            if (payload.ContinuationSequenceNumber === undefined || payload.ContinuationSequenceNumber === null) return;
            // Where AWS would have ended it, the emulator keeps the subscription open (see ShardEndProbe).
            if (records.length === 0 && (await this.ends.ended(shardId, payload.ContinuationSequenceNumber, signal)) !== undefined) return;
            await processor.waitForRoom(this.backlogLimit);
          }
          events = undefined;
        } catch (error) {
          events = undefined;
          if (signal.aborted) return;
          this.context.report(this.spec.logicalId, error);
          await sleep(ERROR_BACKOFF_MS, signal);
        }
      }
    };
  }

  private async subscribe(
    shardId: string,
    position: StartingPosition,
    signal: AbortSignal,
  ): Promise<AsyncIterable<SubscribeToShardEventStream> | undefined> {
    const response = await this.context.kinesis().send(
      new SubscribeToShardCommand({ ConsumerARN: this.spec.consumerArn, ShardId: shardId, StartingPosition: position }),
      { abortSignal: signal },
    );
    return response.EventStream;
  }
}

function streamFailure(event: SubscribeToShardEventStream): Error {
  const [name, detail] = Object.entries(event).find(([, value]) => value !== undefined) ?? ['unknown event', undefined];
  const message = (detail as { message?: string } | undefined)?.message ?? '';
  return new Error(`SubscribeToShard stream reported ${name}${message ? `: ${message}` : ''}`);
}
