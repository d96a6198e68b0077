import { HASH_KEY_SPACE } from '../../../scenarios/stream-routing';

/**
 * UpdateShardCount with UNIFORM_SCALING, as CloudFormation applies a changed ShardCount of an
 * AWS::Kinesis::Stream: the open shards end up with hash key ranges of equal size, the old shards
 * closed (still readable until their records expire), the new ones naming them as parents. AWS limits
 * one update to at most double and at least half the open shards.
 *
 * kinesis-local has an UpdateShardCount, but it halves or pairs shards from the first one until the
 * count is reached: 4 to 6 shards gives two shards of 1/8 and two of 1/4 of the key space, not six of
 * 1/6. The local cloud therefore plans the update as the SplitShard and MergeShards calls that reach
 * the uniform ranges: first split every shard holding a boundary of the target ranges at it, then
 * merge each pair of adjacent shards whose boundary is not one. Pure: the executor asks for the next
 * step against the shards as ListShards reports them after the previous one.
 */

/**
 * Boundaries this close are the same: a stream's own shards round their boundaries their own way
 * (kinesis-local: i x floor((2^128 - 1) / n); AWS: floor(i x 2^128 / n)), a few keys apart out of 2^128.
 */
export const BOUNDARY_TOLERANCE = 1n << 16n;

export interface OpenShard {
  readonly shardId: string;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
}

export type ScalingStep =
  | { readonly kind: 'split'; readonly shardId: string; readonly newStartingHashKey: bigint }
  | { readonly kind: 'merge'; readonly shardId: string; readonly adjacentShardId: string };

/** The starting hash keys of `count` shards of equal size (the first is 0). */
export function uniformStartingHashKeys(count: number): bigint[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`a stream has at least 1 shard, but ${count} was asked for`);
  return Array.from({ length: count }, (_, i) => (BigInt(i) * HASH_KEY_SPACE) / BigInt(count));
}

/** AWS's limits on one UpdateShardCount: at most double, at least half the open shards. */
export function checkShardCountUpdate(open: number, target: number): void {
  if (target > open * 2 || target < Math.ceil(open / 2)) {
    throw new Error(
      `UpdateShardCount takes a stream of ${open} open shards to between ${Math.ceil(open / 2)} and ${open * 2} in one update, but ${target} was asked for: resize in steps`,
    );
  }
}

const near = (a: bigint, b: bigint): boolean => (a > b ? a - b : b - a) <= BOUNDARY_TOLERANCE;

/** The next SplitShard or MergeShards toward `target` uniform shards; undefined once they are reached. */
export function nextScalingStep(open: readonly OpenShard[], target: number): ScalingStep | undefined {
  const shards = [...open].sort((a, b) => (a.startingHashKey < b.startingHashKey ? -1 : 1));
  const wanted = uniformStartingHashKeys(target).slice(1);
  const have = shards.slice(1).map((s) => s.startingHashKey);
  for (const boundary of wanted) {
    if (have.some((b) => near(b, boundary))) continue;
    const holder = shards.find((s) => s.startingHashKey < boundary && boundary <= s.endingHashKey);
    if (holder === undefined) throw new Error(`no open shard holds hash key ${boundary}: the open shards do not cover the key space`);
    return { kind: 'split', shardId: holder.shardId, newStartingHashKey: boundary };
  }
  for (let i = 1; i < shards.length; i++) {
    const right = shards[i] as OpenShard;
    if (!wanted.some((b) => near(b, right.startingHashKey))) {
      return { kind: 'merge', shardId: (shards[i - 1] as OpenShard).shardId, adjacentShardId: right.shardId };
    }
  }
  return undefined;
}
