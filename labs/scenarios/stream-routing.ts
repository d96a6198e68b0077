import { createHash } from 'node:crypto';

/**
 * How Kinesis routes a record: the MD5 of its partition key, read as an unsigned 128-bit integer, is
 * the record's hash key; the shard whose [StartingHashKey, EndingHashKey] range holds it gets the
 * record. Pure, so the lab can predict each user's shard and check it against PutRecords' answer.
 */

export interface ShardRange {
  readonly shardId: string;
  /** Decimal strings, as ListShards returns them. */
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

/** 2^128: hash keys run from 0 to 2^128 - 1. */
export const HASH_KEY_SPACE = 1n << 128n;

export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

export function shardForHashKey(hashKey: bigint, shards: readonly ShardRange[]): string | undefined {
  return shards.find((s) => BigInt(s.startingHashKey) <= hashKey && hashKey <= BigInt(s.endingHashKey))?.shardId;
}

export function shardForPartitionKey(partitionKey: string, shards: readonly ShardRange[]): string | undefined {
  return shardForHashKey(hashKeyOf(partitionKey), shards);
}

/**
 * Shard assignment in one consumer group, as a KCL lease table settles it: every shard is a lease
 * owned by exactly one consumer; each consumer takes leases in turn up to its fair share,
 * ceil(shards / consumers). With more consumers than shards the surplus owns nothing: idle.
 */
export function assignLeases(shardIds: readonly string[], consumers: readonly string[]): Map<string, string[]> {
  if (consumers.length === 0) throw new Error('a consumer group needs at least one consumer');
  const owned = new Map<string, string[]>(consumers.map((c) => [c, []]));
  const fairShare = Math.ceil(shardIds.length / consumers.length);
  const unowned = [...shardIds];
  while (unowned.length > 0) {
    for (const consumer of consumers) {
      const leases = owned.get(consumer) as string[];
      const next = unowned[0];
      if (next !== undefined && leases.length < fairShare) {
        leases.push(next);
        unowned.shift();
      }
    }
  }
  return owned;
}

/** Kinesis sequence numbers are decimal strings too long for a double. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
