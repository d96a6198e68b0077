import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/**
 * On AWS the last SubscribeToShard event of a closed shard, once its last record is delivered, has a
 * null ContinuationSequenceNumber and names the ChildShards: the consumer then reads the children.
 * kinesis-local keeps such a subscription open instead, sending an empty event with the same
 * continuation about every second, for ever: a reader waiting for the end would never read the
 * children of a resharded stream. This probe tells the runtime's fan-out reader where AWS would have
 * ended the subscription: for an empty event it asks ListShards (at most once per interval for the
 * whole stream) whether the shard is closed, and only then whether GetRecords after the continuation
 * is at SHARD_END (no records and no next iterator, as kinesis-local answers at a closed shard's end).
 */

/** ListShards of the stream at most this often, whatever the number of shards asking. */
export const CLOSED_SHARDS_REFRESH_MS = 1_000;

export interface ShardEnd {
  readonly childShardIds: readonly string[];
}

export class ShardEndProbe {
  private closed: { readonly at: number; readonly shardIds: Promise<ReadonlySet<string>> } | undefined;

  constructor(
    private readonly kinesis: () => KinesisClient,
    private readonly streamArn: string,
    private readonly refreshMs = CLOSED_SHARDS_REFRESH_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether an empty event with this continuation is where AWS would end the subscription: the shard
   * is closed and nothing of it is left after the continuation (or, without one, in it at all). Calls
   * are aborted with `signal`, the reader's own (a call in flight listens on it).
   */
  async ended(shardId: string, continuation: string | undefined, signal: AbortSignal): Promise<ShardEnd | undefined> {
    if (!(await this.closedShards(signal)).has(shardId)) return undefined;
    const { ShardIterator } = await this.kinesis().send(
      new GetShardIteratorCommand({
        StreamARN: this.streamArn,
        ShardId: shardId,
        ...(continuation === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: continuation }),
      }),
      { abortSignal: signal },
    );
    if (ShardIterator === undefined) return { childShardIds: [] };
    const response = await this.kinesis().send(new GetRecordsCommand({ ShardIterator, Limit: 1, StreamARN: this.streamArn }), { abortSignal: signal });
    if ((response.Records ?? []).length > 0 || response.NextShardIterator !== undefined) return undefined;
    return { childShardIds: (response.ChildShards ?? []).map((child) => String(child.ShardId)) };
  }

  private closedShards(signal: AbortSignal): Promise<ReadonlySet<string>> {
    if (this.closed === undefined || this.now() - this.closed.at >= this.refreshMs) {
      const shardIds = this.listClosed(signal);
      this.closed = { at: this.now(), shardIds };
      // A failed listing is not kept: the next event asks again.
      shardIds.catch(() => (this.closed = undefined));
    }
    return this.closed.shardIds;
  }

  private async listClosed(signal: AbortSignal): Promise<ReadonlySet<string>> {
    const closed = new Set<string>();
    let nextToken: string | undefined;
    do {
      const response = await this.kinesis().send(
        new ListShardsCommand(nextToken === undefined ? { StreamARN: this.streamArn } : { NextToken: nextToken }),
        { abortSignal: signal },
      );
      for (const shard of response.Shards ?? []) {
        if (shard.ShardId !== undefined && shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) closed.add(shard.ShardId);
      }
      nextToken = response.NextToken;
    } while (nextToken !== undefined);
    return closed;
  }
}
