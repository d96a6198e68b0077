import { Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';
import { MODULES, findModule, stackIdFor } from '../../lib/modules';

const NOW = '2026-01-01T00:00:00Z';

function templateOf(moduleName: string, context: Record<string, unknown> = {}): Template {
  const module = findModule(moduleName);
  const app = buildApp({ bundling: false, modules: [module], context: { costGuardNow: NOW, ...context } });
  return Template.fromStack(app.node.findChild(stackIdFor(module, String(context.stackPrefix ?? ''))) as Stack);
}

describe('buildApp', () => {
  test('builds one stack per registered module, named by the registry', () => {
    // WHEN
    const app = buildApp({ bundling: false, context: { costGuardNow: NOW } });
    // THEN
    expect(app.node.children.map((child) => child.node.id).sort()).toEqual(
      ['LabFanout', 'LabPipeline', 'LabStream', 'LabWorkerPool', 'LabDelivery', 'LabCdc', 'LabOrders'].sort(),
    );
    expect(MODULES.map((m) => m.name)).toEqual(['fanout', 'worker-pool', 'stream', 'pipeline', 'delivery', 'cdc', 'orders']);
  });

  test('namespaces every stack id with the stackPrefix context', () => {
    const app = buildApp({ bundling: false, context: { stackPrefix: 'alice-', costGuardNow: NOW } });
    expect(app.node.children.map((child) => child.node.id).sort()).toEqual(
      ['alice-LabFanout', 'alice-LabPipeline', 'alice-LabStream', 'alice-LabWorkerPool', 'alice-LabDelivery', 'alice-LabCdc', 'alice-LabOrders'].sort(),
    );
  });

  test('fails if stackPrefix is not a valid stack name start', () => {
    expect(() => buildApp({ bundling: false, context: { stackPrefix: '1 bad' } })).toThrow(
      /stackPrefix must start with a letter .* but '1 bad' was provided/,
    );
  });

  test('reads the orders pool size and alarm e-mail from -c ordersPoolSize and -c alarmEmail', () => {
    const template = templateOf('orders', { ordersPoolSize: '5', alarmEmail: 'ops@example.com' });
    template.resourcePropertiesCountIs('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 5 } }, 3);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasOutput('PoolSize', { Value: '5' });
  });

  test('fails if -c ordersPoolSize is out of range', () => {
    expect(() => templateOf('orders', { ordersPoolSize: '1' })).toThrow(/poolSize must be .*2.*100.* but 1 was provided/);
  });

  describe('cost guard', () => {
    test('guards the stream module by default: it deletes itself 4 hours after synthesis', () => {
      const template = templateOf('stream');
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'at(2026-01-01T04:00:00)',
      });
      template.hasOutput('ExpiresAt', { Value: '2026-01-01T04:00:00.000Z' });
    });

    test('turns the stream guard off with -c expiresInHours=off', () => {
      const template = templateOf('stream', { expiresInHours: 'off' });
      template.resourceCountIs('AWS::Scheduler::Schedule', 0);
      expect(Object.keys(template.findOutputs('ExpiresAt'))).toHaveLength(0);
    });

    test.each(['fanout', 'worker-pool', 'pipeline'])('leaves %s unguarded unless asked', (name) => {
      templateOf(name).resourceCountIs('AWS::Scheduler::Schedule', 0);
    });

    test('guards any module when -c expiresInHours=N is given', () => {
      const template = templateOf('fanout', { expiresInHours: '2' });
      template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'at(2026-01-01T02:00:00)' });
    });

    test('fails if expiresInHours is out of range', () => {
      expect(() => templateOf('stream', { expiresInHours: '0' })).toThrow(
        /expiresInHours must be an integer between 1 and 168 .* but 0 was provided/,
      );
    });
  });
});
