import { HASH_KEY_SPACE } from '../scenarios/stream-routing';
import type { ReshardObservations } from '../scenarios/stream/reshard';
import { mark, seconds } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

/** Keys whose path through the reshard the report follows. */
export const FOLLOWED_KEYS = 3;

/** A hash key as its place in the key space, 0 to 1 (`0.125`): the ranges read at a glance. */
export function keySpaceFraction(hashKey: string): string {
  const end = BigInt(hashKey) + 1n;
  return (Number((end * 1_000_000n) / HASH_KEY_SPACE) / 1_000_000).toFixed(3);
}

function range(start: string, end: string): string {
  return `${start === '0' ? '0.000' : keySpaceFraction((BigInt(start) - 1n).toString())} to ${keySpaceFraction(end)}`;
}

export function renderReshard(o: ReshardObservations, colors: Colors): string {
  const how =
    o.appliedBy === 'local update'
      ? `The infrastructure way, \`${o.command}\` (CloudFormation calls UpdateShardCount, uniform scaling): here the same change applied to the running stream in ${seconds(o.reshardMs)}:`
      : `The infrastructure way: \`${o.command}\` resized the stream (CloudFormation, UpdateShardCount with uniform scaling) in ${seconds(o.reshardMs)}.`;
  const shards = renderTable(
    ['shard', 'parent', 'adjacent parent', 'hash keys (share of the key space)', 'state', 'put before', 'put after'],
    o.shards.map((s) => [s.shardId, s.parentShardId ?? '-', s.adjacentParentShardId ?? '-', range(s.startingHashKey, s.endingHashKey), s.open ? 'open' : 'closed', s.before, s.after]),
  );
  const firstOf = (c: ReshardObservations['consumers'][number], shardId: string, key: string) => c.keys.find((k) => k.shardId === shardId && k.partitionKey === key);
  const users = [...new Set(o.consumers[0]?.keys.map((k) => k.partitionKey) ?? [])].slice(0, FOLLOWED_KEYS);
  const rows = users.flatMap((user) => {
    const parent = o.shards.find((s) => !s.open && o.consumers[0]?.keys.some((k) => k.shardId === s.shardId && k.partitionKey === user));
    const child = o.shards.find((s) => s.open && o.consumers[0]?.keys.some((k) => k.shardId === s.shardId && k.partitionKey === user));
    if (parent === undefined || child === undefined) return [];
    return o.consumers.map((c) => {
      const before = firstOf(c, parent.shardId, user);
      const after = firstOf(c, child.shardId, user);
      const gap = before && after && after.firstProcessedAt > 0 ? after.firstProcessedAt - before.lastProcessedAt : undefined;
      const inOrder = before !== undefined && after !== undefined && gap !== undefined && gap >= 0 && before.orderViolations === 0 && after.orderViolations === 0;
      return [
        user,
        c.name,
        `${parent.shardId}: ${before?.records ?? 0}/${before?.expected ?? 0}`,
        `${child.shardId}: ${after?.records ?? 0}/${after?.expected ?? 0}`,
        gap === undefined ? '-' : `${gap} ms`,
        mark(colors, inOrder),
      ];
    });
  });
  const consumers = renderTable(
    ['consumer', 'kind', 'records', 'order violations', 'children begun before a parent was done'],
    o.consumers.map((c) => [c.name, c.kind, `${c.records}/${c.expected}`, c.orderViolations, o.lineageBreaks.filter((b) => b.consumer === c.name).length]),
  );
  return [
    how,
    ...o.changes.map((change) => `  ${change}`),
    `${o.from} open shards before, ${o.openAfter} after; the old ones are closed (readable until their records expire), each new one names its parent(s):`,
    shards,
    `${o.records} records of ${o.users} users put before the reshard and ${o.records} after. A few keys, before and after, in every consumer:`,
    renderTable(['key', 'consumer', 'before (parent)', 'after (child)', 'child first - parent last', 'in order'], rows),
    consumers,
    'Notice: a key keeps its hash, so its records move from the parent to the child that took over its range; every consumer reads',
    'a child only after its parents reached SHARD_END, so each key stays in order across the reshard. More shards: more consumers can work',
    'at once, and more shard-hours to pay.',
  ].join('\n');
}
