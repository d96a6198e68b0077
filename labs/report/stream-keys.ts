import { plot } from 'asciichart';
import type { KeysObservations } from '../scenarios/stream/keys';
import { WATCHED_DEVICE } from '../scenarios/stream/keys';
import { head, mark } from './format';
import type { Colors } from './style';
import { renderTable } from './table';

const LESSONS: Readonly<Record<string, string>> = {
  device: 'spread, and each device stays on one shard, in order',
  fixed: 'one hot shard takes everything; the others idle',
  timestamp: 'each second on one shard: the hot shard moves, the rest idle',
  random: 'spread, but a device is scattered over shards: its order is lost',
};

export function renderKeys(o: KeysObservations, colors: Colors): string {
  const shortShard = (id: string): string => id.replace(/^shardId-0*(?=\d)/, 'shard ');
  const table = renderTable(
    ['key', 'example key', `records per shard (${o.strategies[0]?.shards.map((s) => shortShard(s.shardId)).join(' / ') ?? ''})`, 'skew (hottest / mean)', 'devices on one shard', 'devices in order', `${WATCHED_DEVICE} as read`],
    o.strategies.map((s) => [
      s.strategy,
      head(s.exampleKeys[0] ?? '-', 20),
      s.shards.map((x) => x.put).join(' / '),
      s.skew.toFixed(2),
      `${s.devicesOnOneShard}/${s.devices}`,
      `${s.devicesInOrder}/${s.devices} ${mark(colors, s.devicesInOrder === s.devices)}`,
      s.watchedDeviceOrder.join(' '),
    ]),
  );
  const lines = [
    `${o.recordsPerStrategy} readings of ${o.devices} devices (one a second each), put with each key into ${o.streamName} (${o.shardCount} shards); a consumer then reads every shard from TRIM_HORIZON, one after another:`,
    table,
    ...o.strategies.map((s) => `  ${s.strategy}: ${LESSONS[s.strategy]}`),
  ];
  const timestamp = o.strategies.find((s) => s.strategy === 'timestamp');
  if (timestamp?.seconds && timestamp.seconds.length > 0) {
    const index = new Map(timestamp.shards.map((s, i) => [s.shardId, i]));
    lines.push(
      'Timestamp keys, second by second: the shard that took that second\'s records (and its share of them):',
      renderTable(['second', ...timestamp.seconds.map((s) => String(s.second))], [
        ['hot shard', ...timestamp.seconds.map((s) => index.get(s.hotShardId) ?? '-')],
        ['share', ...timestamp.seconds.map((s) => `${Math.round(s.hotShare * 100)}%`)],
      ]),
    );
    if (timestamp.seconds.length > 1) {
      lines.push('hot shard index by second:', plot(timestamp.seconds.map((s) => index.get(s.hotShardId) ?? 0), { height: Math.max(1, o.shardCount - 1), min: 0, max: Math.max(1, o.shardCount - 1), format: (x) => String(Math.round(x)).padStart(3) }));
    }
  }
  lines.push('Notice: pick a key with many values whose order matters to you (the device id): it spreads the load and keeps each device in order.');
  return lines.join('\n');
}
