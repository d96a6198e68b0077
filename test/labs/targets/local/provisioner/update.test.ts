import { diffTemplates } from '../../../../../labs/targets/local/provisioner/update';

/** The part of LabStream's template a reshard changes, with one function that must not change. */
function template(shardCount: number, overrides: { functionMemory?: number; extra?: boolean } = {}) {
  return {
    Resources: {
      Stream: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: shardCount, RetentionPeriodHours: 24 } },
      Handler: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: overrides.functionMemory ?? 256 }, Metadata: { 'aws:asset:path': `asset.${shardCount}` } },
      Guard: { Type: 'AWS::Scheduler::Schedule', Properties: { Description: `idle cost of ${shardCount} shards` } },
      ...(overrides.extra ? { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } } : {}),
    },
    Outputs: { ShardCount: { Value: String(shardCount) }, StreamName: { Value: { Ref: 'Stream' } } },
  };
}

describe('diffTemplates (the local cloud\'s stack update)', () => {
  test('a new ShardCount is a stream change, its literal output follows, a skipped resource\'s change has no local meaning', () => {
    // GIVEN / WHEN
    const diff = diffTemplates(template(4), template(8));
    // THEN: the metadata of a function (its assembly path) is not a change
    expect(diff.properties).toEqual([{ logicalId: 'Stream', type: 'AWS::Kinesis::Stream', property: 'ShardCount', from: 4, to: 8 }]);
    expect(diff.ignored).toEqual([{ logicalId: 'Guard', type: 'AWS::Scheduler::Schedule', property: 'Description', from: 'idle cost of 4 shards', to: 'idle cost of 8 shards' }]);
    expect(diff.outputs).toEqual([{ key: 'ShardCount', from: '4', to: '8' }]);
  });

  test('the same template is no change', () => {
    expect(diffTemplates(template(4), template(4))).toEqual({ properties: [], ignored: [], outputs: [] });
  });

  test('fails if another property changes, naming it', () => {
    expect(() => diffTemplates(template(4), template(4, { functionMemory: 512 }))).toThrow(/cannot update property MemorySize of AWS::Lambda::Function Handler in place/);
  });

  test('fails if a resource is added or removed', () => {
    expect(() => diffTemplates(template(4), template(4, { extra: true }))).toThrow(/adds AWS::SQS::Queue Queue/);
    expect(() => diffTemplates(template(4, { extra: true }), template(4))).toThrow(/removes AWS::SQS::Queue Queue/);
  });

  test('fails if an output built from intrinsics changes', () => {
    const next = { ...template(4), Outputs: { ...template(4).Outputs, StreamName: { Value: { 'Fn::GetAtt': ['Stream', 'Arn'] } } } };
    expect(() => diffTemplates(template(4), next)).toThrow(/changes output StreamName in a way the local cloud cannot recompute in place/);
  });
});
