import { synthesizeModule } from '../../../../labs/targets/local/assembly';
import { findModule } from '../../../../lib/modules';

test('a context key the stack never reads is refused, naming the keys it reads', () => {
  expect(() => synthesizeModule(findModule('worker-pool'), { bundling: false, context: { shardcount: '3' } })).toThrow(
    "LabWorkerPool reads no context value 'shardcount': it reads expiresInHours, maxReceiveCount, workerBatchSize, workerPoolSize, workerTimeoutSeconds",
  );
});

test('a context key the stack reads shapes its template', () => {
  const stack = synthesizeModule(findModule('worker-pool'), { bundling: false, context: { workerTimeoutSeconds: '1', workerBatchSize: '1' } });
  try {
    const resources = Object.values((stack.template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources);
    const queues = resources.filter((r) => r.Type === 'AWS::SQS::Queue' && r.Properties.VisibilityTimeout !== undefined);
    expect(queues.map((q) => q.Properties.VisibilityTimeout)).toContain(6);
  } finally {
    stack.close();
  }
});
