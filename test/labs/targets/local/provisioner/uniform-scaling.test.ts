import {
  BOUNDARY_TOLERANCE,
  checkShardCountUpdate,
  nextScalingStep,
  uniformStartingHashKeys,
  type OpenShard,
  type ScalingStep,
} from '../../../../../labs/targets/local/provisioner/uniform-scaling';
import { HASH_KEY_SPACE } from '../../../../../labs/scenarios/stream-routing';

/** A stream of `count` shards as kinesis-local creates it: starts at i x floor((2^128 - 1) / count). */
function kinesisLocalStream(count: number): OpenShard[] {
  const width = (HASH_KEY_SPACE - 1n) / BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    shardId: `shardId-${String(i).padStart(12, '0')}`,
    startingHashKey: BigInt(i) * width,
    endingHashKey: i === count - 1 ? HASH_KEY_SPACE - 1n : BigInt(i + 1) * width - 1n,
  }));
}

/** Applies the steps as SplitShard and MergeShards do, numbering new shards after the last. */
function scale(open: OpenShard[], target: number): { shards: OpenShard[]; steps: ScalingStep[] } {
  let shards = [...open];
  let next = shards.length;
  const steps: ScalingStep[] = [];
  const newId = () => `shardId-${String(next++).padStart(12, '0')}`;
  for (let step = nextScalingStep(shards, target); step !== undefined; step = nextScalingStep(shards, target)) {
    steps.push(step);
    if (steps.length > 50) throw new Error('the plan does not settle');
    if (step.kind === 'split') {
      const parent = shards.find((s) => s.shardId === step.shardId) as OpenShard;
      shards = shards.filter((s) => s !== parent);
      shards.push({ shardId: newId(), startingHashKey: parent.startingHashKey, endingHashKey: step.newStartingHashKey - 1n });
      shards.push({ shardId: newId(), startingHashKey: step.newStartingHashKey, endingHashKey: parent.endingHashKey });
    } else {
      const a = shards.find((s) => s.shardId === step.shardId) as OpenShard;
      const b = shards.find((s) => s.shardId === step.adjacentShardId) as OpenShard;
      expect(b.startingHashKey).toBe(a.endingHashKey + 1n);
      shards = shards.filter((s) => s !== a && s !== b);
      shards.push({ shardId: newId(), startingHashKey: a.startingHashKey, endingHashKey: b.endingHashKey });
    }
  }
  return { shards: shards.sort((x, y) => (x.startingHashKey < y.startingHashKey ? -1 : 1)), steps };
}

const kinds = (steps: readonly ScalingStep[]) => steps.map((s) => s.kind);

describe('uniform scaling (UpdateShardCount, UNIFORM_SCALING)', () => {
  test('splits the key space into equal ranges as AWS numbers them', () => {
    expect(uniformStartingHashKeys(4)).toEqual([0n, 1n << 126n, 2n << 126n, 3n << 126n]);
    expect(uniformStartingHashKeys(1)).toEqual([0n]);
  });

  test.each([
    [4, 8, ['split', 'split', 'split', 'split']],
    [8, 4, ['merge', 'merge', 'merge', 'merge']],
    [2, 3, ['split', 'split', 'merge']],
    [4, 6, ['split', 'split', 'split', 'split', 'merge', 'merge']],
    [4, 2, ['merge', 'merge']],
    [1, 2, ['split']],
  ])('%i shards to %i: equal ranges covering the key space, by %j', (from, to, expectedKinds) => {
    const { shards, steps } = scale(kinesisLocalStream(from), to);
    expect(kinds(steps)).toEqual(expectedKinds);
    expect(shards).toHaveLength(to);
    // contiguous from 0 to 2^128 - 1, each start within a rounding of the uniform one
    expect(shards[0]?.startingHashKey).toBe(0n);
    expect(shards[shards.length - 1]?.endingHashKey).toBe(HASH_KEY_SPACE - 1n);
    shards.slice(1).forEach((s, i) => expect(s.startingHashKey).toBe((shards[i] as OpenShard).endingHashKey + 1n));
    const wanted = uniformStartingHashKeys(to);
    shards.forEach((s, i) => {
      const off = s.startingHashKey - (wanted[i] as bigint);
      expect(off < 0n ? -off : off).toBeLessThanOrEqual(BOUNDARY_TOLERANCE);
    });
  });

  test('a stream already of the target count needs no step', () => {
    expect(nextScalingStep(kinesisLocalStream(4), 4)).toBeUndefined();
  });

  test('splits the shard holding the boundary, at the boundary', () => {
    expect(nextScalingStep(kinesisLocalStream(1), 2)).toEqual({ kind: 'split', shardId: 'shardId-000000000000', newStartingHashKey: 1n << 127n });
  });

  test('fails if the open shards leave a boundary uncovered', () => {
    const [, second] = kinesisLocalStream(2);
    expect(() => nextScalingStep([second as OpenShard], 4)).toThrow(/no open shard holds hash key/);
  });

  test.each([
    [4, 9],
    [4, 1],
  ])('fails if one update takes %i open shards to %i (AWS: at most double, at least half)', (open, target) => {
    expect(() => checkShardCountUpdate(open, target)).toThrow(/between 2 and 8 in one update, but \d was asked for: resize in steps/);
  });

  test.each([
    [4, 8],
    [4, 2],
    [3, 2],
  ])('allows %i open shards to %i', (open, target) => {
    expect(() => checkShardCountUpdate(open, target)).not.toThrow();
  });
});
