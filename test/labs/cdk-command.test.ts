import { cdkCommand } from '../../labs/cdk-command';

describe('cdkCommand', () => {
  test.each([
    ['deploy', { stackName: 'LabFanout', stackPrefix: '' }, {}, 'npx cdk deploy LabFanout'],
    ['destroy', { stackName: 'LabStream', stackPrefix: '' }, {}, 'npx cdk destroy LabStream'],
    ['destroy', { stackName: 'alice-LabStream', stackPrefix: 'alice-' }, {}, 'npx cdk destroy alice-LabStream -c stackPrefix=alice-'],
    ['deploy', { stackName: 'bob-LabFanout', stackPrefix: 'bob-' }, {}, 'npx cdk deploy bob-LabFanout -c stackPrefix=bob-'],
    [
      'deploy',
      { stackName: 'alice-LabWorkerPool', stackPrefix: 'alice-' },
      { workerPoolSize: 5 },
      'npx cdk deploy alice-LabWorkerPool -c stackPrefix=alice- -c workerPoolSize=5',
    ],
    ['deploy', { stackName: 'LabWorkerPool', stackPrefix: '' }, { workerPoolSize: 5 }, 'npx cdk deploy LabWorkerPool -c workerPoolSize=5'],
  ] as const)('%s %j %j is `%s`', (action, stack, context, expected) => {
    expect(cdkCommand(action, stack, context)).toBe(expected);
  });

  test('fails if the stack name does not carry its prefix', () => {
    expect(() => cdkCommand('destroy', { stackName: 'LabStream', stackPrefix: 'alice-' })).toThrow(/stack LabStream does not start with its prefix alice-/);
  });
});
