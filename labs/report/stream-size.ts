import type { SizeObservations } from '../scenarios/stream/size';
import { SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from '../scenarios/stream/size';
import { renderTable } from './table';

const count = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const mib = (bytes: number): string => `${(bytes / SHARD_WRITE_BYTES_PER_SECOND).toLocaleString('en-US', { maximumFractionDigits: 2 })} MiB/s`;
const usd = (n: number): string => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 3 })}`;
const percent = (share: number): string => `${Math.round(share * 100)}%`;

export function renderSize(o: SizeObservations): string {
  const load = `${count(o.devices)} devices x 1 record / ${o.intervalSeconds} s = ${count(o.recordsPerSecond)} records/s of ${count(o.recordBytes)} B = ${mib(o.bytesPerSecond)}`;
  const table = renderTable(
    ['limit per shard', 'load', 'shards needed', 'recommended stream uses'],
    [
      [`${count(SHARD_WRITE_RECORDS_PER_SECOND)} records/s`, `${count(o.recordsPerSecond)} records/s`, o.shardsByRecords, percent(o.recordsUtilization)],
      ['1 MiB/s', mib(o.bytesPerSecond), o.shardsByBytes, percent(o.bytesUtilization)],
    ],
  );
  const limiting = o.limitedBy === 'both' ? 'both limits need the same count' : `the ${o.limitedBy} limit is hit first`;
  return [
    load,
    table,
    `minimum: ${o.minimumShards} shards (the larger count wins: ${limiting})`,
    `recommended with headroom x${o.headroom}: ${o.recommendedShards} shards, about ${count(o.devicesPerShard)} devices per shard with device ids as partition keys`,
    `idle cost of ${o.recommendedShards} provisioned shards: ${usd(o.idleCostPerHour)}/h, ${usd(o.idleCostPerMonth)}/month, before any record is put`,
    'Notice: records/s and bytes/s each set a shard count; the stream needs the larger one, and headroom is for spikes, hot keys and growth.',
  ].join('\n');
}
