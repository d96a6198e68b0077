import { renderStatus, type ModuleStatus } from '../../../labs/cloud/status';

describe('the live status of labs up', () => {
  test('gives, per module, the functions, the queue depths and each stream consumer on each shard', () => {
    const status: ModuleStatus[] = [
      {
        module: 'stream',
        functions: [{ name: 'Processor', invocations: 12, errors: 1 }],
        queues: [{ name: 'FailureQueue', visible: 2, inFlight: 1 }],
        consumers: [
          {
            mapping: 'ProcessorKinesisEventSource',
            consumer: 'polling',
            shards: [
              { shardId: 'shardId-000000000000', readSequenceNumber: '49650000000000000000000000000000000000000000000000123456', processedSequenceNumber: '49650000000000000000000000000000000000000000000000123400', backlog: 3, iteratorAgeMs: 1_250 },
              { shardId: 'shardId-000000000001', backlog: 0, iteratorAgeMs: 0 },
            ],
          },
          { mapping: 'AuditEfoEventSource', consumer: 'audit', shards: [] },
        ],
      },
      { module: 'fanout', functions: [], queues: [], consumers: [] },
    ];
    expect(renderStatus(status, new Date('2026-12-01T10:20:30Z'))).toEqual([
      '10:20:30 stream: functions Processor 12 inv 1 err; queues FailureQueue 2+1 in flight; streams ProcessorKinesisEventSource (polling) shardId-000000000000 at ...123400, 3 behind, age 1.3 s, shardId-000000000001 nothing processed, age 0.0 s; AuditEfoEventSource (audit) no shard read yet',
      '10:20:30 fanout: no functions',
    ]);
  });
});
