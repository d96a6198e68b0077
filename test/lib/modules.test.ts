import { Stack } from 'aws-cdk-lib';
import type { ModuleCostModel } from '../../labs/cost/path';
import { integerOutput, textOutput } from '../../labs/scenarios/outputs';
import { verdictOf, type ModuleLab } from '../../labs/scenarios/scenario';
import { outputReader, type TargetSession } from '../../labs/targets/target';
import { MODULES, defineModule, findModule, type ModuleName } from '../../lib/modules';
import type { StreamOutput } from '../../lib/stacks/stream-stack';

/*
 * The registry's promises are type-level: tsc checks this file (test/ is in tsconfig's include), and
 * every `@ts-expect-error` below fails the type check if the line under it compiles. The runtime
 * assertions make the same file a jest test of what the entries hold.
 */

const DEMO_OUTPUTS = ['QueueUrl', 'TableName'] as const;
type DemoOutput = (typeof DEMO_OUTPUTS)[number];

const cost: ModuleCostModel = {
  path: { message: 'item', description: 'none', estimate: () => ({ items: [], assumptions: [] }) },
  idleTargetPerHour: 0.01,
};

/** A lab that reads the outputs `keys` names. */
function labReading<Output extends string>(...keys: Output[]): ModuleLab<Output> {
  return {
    main: {
      summary: 'reads outputs',
      options: [],
      prepare: () => ({
        run: async (session: TargetSession<Output>) => {
          const observations = Object.fromEntries(keys.map((k) => [k, textOutput(session, k)]));
          return { verdict: verdictOf([]), observations, render: () => '' };
        },
      }),
    },
    cost,
  };
}

const stackless = { stackId: 'LabDemo', description: 'demo', seed: 'none', create: (): Stack => new Stack() };

describe('a registry entry', () => {
  test('with a lab reading only declared outputs compiles and is returned as given', async () => {
    const lab = labReading<DemoOutput>('QueueUrl');
    const entry = defineModule({ name: 'demo', ...stackless, outputs: DEMO_OUTPUTS, lab: async () => lab });
    expect(entry.name).toBe('demo');
    expect(await entry.lab()).toBe(lab);
  });

  test('without a lab, or with a lab reading an output the stack does not declare, does not compile', () => {
    const entries = [
      // @ts-expect-error a module without its lab (scenarios, renderers, cost model)
      defineModule({ name: 'no-lab', ...stackless, outputs: DEMO_OUTPUTS }),
      defineModule({
        name: 'stale-output',
        ...stackless,
        outputs: DEMO_OUTPUTS,
        // @ts-expect-error the lab reads 'TopicArn', which the stack does not declare
        lab: async () => labReading<DemoOutput | 'TopicArn'>('QueueUrl', 'TopicArn'),
      }),
    ];
    expect(entries.map((e) => e.name)).toEqual(['no-lab', 'stale-output']);
  });

  test('whose lab has no cost model does not compile', () => {
    const { main } = labReading<DemoOutput>('QueueUrl');
    // @ts-expect-error a lab without its cost model
    const lab: ModuleLab<DemoOutput> = { main };
    expect(lab.cost).toBeUndefined();
  });
});

describe('a session', () => {
  const session = {
    output: outputReader<StreamOutput>('LabStream', { StreamName: 'lab-stream', ShardCount: '4' }, 'redeploy it'),
  } as Pick<TargetSession<StreamOutput>, 'output'> as TargetSession<StreamOutput>;

  test('reads the outputs its stack declares', () => {
    expect(textOutput(session, 'StreamName')).toBe('lab-stream');
    expect(integerOutput(session, 'ShardCount')).toBe(4);
  });

  test('does not compile a read of an output the stack does not declare, and throws if one is missing', () => {
    // @ts-expect-error LabStream declares no output TopicArn
    expect(() => textOutput(session, 'TopicArn')).toThrow('stack LabStream has no output TopicArn: redeploy it');
    expect(() => session.output('FailureQueueUrl')).toThrow(/no output FailureQueueUrl/);
  });
});

describe('the registry', () => {
  test('module names are a literal type: an unknown name does not compile', () => {
    const names: ModuleName[] = ['fanout', 'worker-pool', 'stream', 'pipeline'];
    // @ts-expect-error no module is registered under this name
    const unknown: ModuleName = 'no-such-module';
    expect(MODULES.map((m) => m.name)).toEqual(expect.arrayContaining(names));
    expect(new Set(MODULES.map((m) => m.name)).size).toBe(MODULES.length);
    expect(() => findModule(unknown)).toThrow(/unknown module 'no-such-module': choose one of fanout, worker-pool, stream, pipeline/);
  });

  test.each(MODULES.map((m) => [m.name, m] as const))('%s loads its lab with scenarios and a cost model', async (_name, module) => {
    const lab = await module.lab();
    expect(lab.main.options.length).toBeGreaterThan(0);
    expect(lab.cost.path.message).not.toBe('');
    // A target of $0/h is one (cdc idles at it); command.test.ts holds each template to its target.
    expect(Number.isFinite(lab.cost.idleTargetPerHour) && lab.cost.idleTargetPerHour >= 0).toBe(true);
  });
});
