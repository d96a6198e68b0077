import { runCli } from '../../labs/cli';
import { defaultOptions } from '../../labs/cli-options';
import type { ModuleCostModel } from '../../labs/cost/path';
import { UsageError, verdictOf, type ModuleLab } from '../../labs/scenarios/scenario';
import type { OpenOptions, Target, TargetName, TargetSession } from '../../labs/targets/target';
import { MODULES, findModule, type LabModule } from '../../lib/modules';

interface Captured {
  stdout: string;
  stderr: string;
  code: number;
  opened: OpenOptions[];
  closed: number;
}

/** The cost model of a lab that is never estimated here. */
const NO_COST: ModuleCostModel = {
  path: { message: 'item', description: 'not estimated', estimate: () => ({ items: [], assumptions: [] }) },
  idleTargetPerHour: 0.01,
};

function fakeModule(name: string, lab: ModuleLab): LabModule {
  return {
    name,
    stackId: `Lab${name[0]?.toUpperCase()}${name.slice(1)}`,
    description: `${name} lab`,
    seed: 'Module 8',
    outputs: [],
    create: () => {
      throw new Error('not synthesized here');
    },
    lab: async () => lab,
  };
}

/** A lab whose verdict fails when `--fail` is given: enough to drive the CLI end to end without a cloud. */
const DEMO_LAB: ModuleLab = {
  main: {
    summary: 'demo',
    options: [
      { flags: '--items <n>', description: 'items', kind: 'count', min: 1, max: 10, defaultValue: 3 },
      { flags: '--fail', description: 'fail the verdict', kind: 'flag' },
    ],
    prepare: (o) => ({
      context: { items: o.items },
      run: async (session) => {
        const observations = { items: o.items, region: session.region };
        const verdict = verdictOf(o.fail === true ? ['2 of 3 items arrived'] : []);
        return { verdict, observations, render: () => `rendered ${String(o.items)} items` };
      },
    }),
  },
  cost: NO_COST,
};

async function run(
  args: string[],
  options: { modules?: LabModule[]; openError?: Error } = {},
): Promise<Captured> {
  const captured: Captured = { stdout: '', stderr: '', code: -1, opened: [], closed: 0 };
  const target = (name: TargetName): Target => ({
    name,
    open: async (_module, openOptions): Promise<TargetSession> => {
      captured.opened.push(openOptions);
      if (options.openError) throw options.openError;
      return {
        target: name,
        region: 'us-east-1',
        stackName: 'LabDemo',
        output: () => 'unused',
        clients: {} as TargetSession['clients'],
        close: async () => {
          captured.closed++;
        },
      };
    },
  });
  captured.code = await runCli(['node', 'labs', ...args], {
    io: {
      stdout: { write: (s: string) => (captured.stdout += s), isTTY: false },
      stderr: { write: (s: string) => (captured.stderr += s), isTTY: false },
      env: {},
    },
    ...(options.modules ? { modules: options.modules } : {}),
    targetFor: target,
  });
  return captured;
}

const DEMO_WITH_SUBCOMMAND: ModuleLab = { ...DEMO_LAB, subcommands: [{ ...DEMO_LAB.main, command: 'again' }] };
const demo = { modules: [fakeModule('demo', DEMO_WITH_SUBCOMMAND)] };

describe('argument validation (exit code 2, a usage line, no target opened)', () => {
  test.each([
    [['worker-pool', '--tasks', '-1'], /--tasks must be between 1 and 1000, but -1 was provided/, /Usage: labs worker-pool \[options\]/],
    [['worker-pool', '--tasks', '2.5'], /--tasks takes a whole number, but '2.5'/, /Usage: labs worker-pool/],
    [['worker-pool', '--tasks', '3', '--poison', '5'], /--poison \(5\) cannot exceed --tasks \(3\)/, /Usage: labs worker-pool/],
    [['worker-pool', '--tasks', '2', '--poison', '2', '--crash'], /--crash needs at least one task that is not poison/, /Usage: labs worker-pool/],
    [['worker-pool', '--workers', '1'], /--workers must be between 2 and 100, but 1/, /Usage: labs worker-pool/],
    [['fanout', '--orders', 'many'], /--orders takes a whole number/, /Usage: labs fanout/],
    [['stream', 'group', '--consumers', '0'], /--consumers must be between 1 and 100, but 0/, /Usage: labs stream group/],
    [['stream', 'replay', '--from', 'abc'], /--from must be a Kinesis sequence number/, /Usage: labs stream replay/],
    [['stream', 'parallel', '--factor', '11'], /--factor must be between 1 and 10, but 11/, /Usage: labs stream parallel/],
    [['stream', 'parallel', '--work-ms', '51'], /--work-ms must be between 0 and 50, but 51/, /Usage: labs stream parallel/],
    [['stream', 'parallel', '--factor', '2', '-c', 'parallelizationFactor=3'], /-c parallelizationFactor=3 disagrees with the lab's options, which set parallelizationFactor to 2/, /Usage: labs stream parallel/],
    [['stream', 'scale', '--consumers', '5,x'], /--consumers must be up to 6 group sizes of 1 to 100, comma-separated \(e.g. 5,10,15\), but '5,x'/, /Usage: labs stream scale/],
    [['stream', 'scale', '--consumers', '5,101'], /--consumers must be up to 6 group sizes of 1 to 100/, /Usage: labs stream scale/],
    [['stream', 'scale', '--consumers', '2,4', '--kill', '2'], /--kill \(2\) must be below the smallest group \(2\): someone has to take the shards over/, /Usage: labs stream scale/],
    [['stream', 'scale', '--rate', '5001'], /--rate must be between 10 and 5000, but 5001/, /Usage: labs stream scale/],
    [['pipeline', '--subtasks', '20', '--range-end', '10'], /--subtasks \(20\) cannot exceed --range-end \(10\)/, /Usage: labs pipeline/],
    [['pipeline', '--range-end', '1000000000000'], /--range-end must be between 1 and 100000000, but 1000000000000/, /Usage: labs pipeline/],
    [['stream', '--records', '100000000'], /--records must be between 1 and 10000, but 100000000 was provided/, /Usage: labs stream/],
    [['stream', '--users', '1001'], /--users must be between 1 and 1000, but 1001/, /Usage: labs stream/],
    [['stream', 'replay', '--records', '10001'], /--records must be between 1 and 10000, but 10001/, /Usage: labs stream replay/],
    [['stream', 'group', '--consumers', '101'], /--consumers must be between 1 and 100, but 101/, /Usage: labs stream group/],
    [['fanout', '--orders', '1001'], /--orders must be between 1 and 1000, but 1001/, /Usage: labs fanout/],
    [['worker-pool', '--tasks', '1001'], /--tasks must be between 1 and 1000, but 1001/, /Usage: labs worker-pool/],
    [['worker-pool', '--work-ms', '900001'], /--work-ms must be between 0 and 900000, but 900001/, /Usage: labs worker-pool/],
    [['worker-pool', '--workers', '101'], /--workers must be between 2 and 100, but 101/, /Usage: labs worker-pool/],
    [['worker-pool', '--poison', '1001'], /--poison must be between 0 and 1000, but 1001/, /Usage: labs worker-pool/],
    [['pipeline', '--subtasks', '1001'], /--subtasks must be between 1 and 1000, but 1001/, /Usage: labs pipeline/],
    [['orders', 'outage', 'inventory', '--seconds', '111'], /--seconds must be between 15 and 110, but 111/, /Usage: labs orders outage inventory/],
    [['orders', 'outage', 'inventory', '--orders', '201'], /--orders must be between 1 and 200, but 201/, /Usage: labs orders outage inventory/],
    [['orders', 'outage', 'payment', '--orders', '51'], /--orders must be between 1 and 50, but 51/, /Usage: labs orders outage payment/],
    [['orders', 'outage', 'payment', '--seconds', '301'], /--seconds must be between 1 and 300, but 301/, /Usage: labs orders outage payment/],
    [['orders', 'redrive', '--queue', 'orders'], /--queue must be one of payment, inventory, notification, all, but 'orders' was given/, /Usage: labs orders redrive/],
    [['orders', 'redrive', '--orders', '51'], /--orders must be between 0 and 50, but 51/, /Usage: labs orders redrive/],
    [['orders', 'duplicates', '--client-retries', '6'], /--client-retries must be between 1 and 5, but 6/, /Usage: labs orders duplicates/],
    [['orders', 'duplicates', '--orders', '201'], /--orders must be between 1 and 200, but 201/, /Usage: labs orders duplicates/],
    [['orders', 'trace', 'abc'], /command-argument value 'abc' is invalid for argument 'orderId'\. 'abc' is not an order id: the API answers each order with one like/, /Usage: labs orders trace \[options\] \[orderId\]/],
    // A GUID of another version is not one the API issues (its ids are version 8).
    [['orders', 'trace', '3f2a9c1e-5b7d-4e21-9a4f-0c6d2b8e7f13'], /is not an order id/, /Usage: labs orders trace/],
    [['orders', 'trace', '3f2a9c1e-5b7d-8e21-9a4f-0c6d2b8e7f13', 'extra'], /too many arguments for 'trace'\. Expected 1 argument but got 2/, /Usage: labs orders trace/],
    [['nope'], /unknown command 'nope'/, /Usage: labs <module>/],
    [['fanout', '--target', 'gcp'], /argument 'gcp' is invalid. Allowed choices are local, aws/, /Usage: labs fanout/],
    [['fanout', '--stack-prefix', '1bad'], /stackPrefix must start with a letter/, /Usage: labs fanout/],
    [['fanout', '--bogus'], /unknown option '--bogus'/, /Usage: labs fanout/],
    [['cost', 'nope'], /unknown module 'nope': choose one of fanout/, /Usage: labs cost/],
    [['cost', '-c', 'shardCount'], /context must be given as key=value, but 'shardCount'/, /Usage: labs cost/],
    [['worker-pool', '-c', 'workerTimeoutSeconds'], /context must be given as key=value, but 'workerTimeoutSeconds'/, /Usage: labs worker-pool/],
    [['worker-pool', '--workers', '4', '-c', 'workerPoolSize=3'], /-c workerPoolSize=3 disagrees with the lab's options, which set workerPoolSize to 4: drop one/, /Usage: labs worker-pool/],
    [
      ['worker-pool', '--target', 'aws', '-c', 'workerTimeoutSeconds=1'],
      /-c shapes the local cloud's stack; on AWS deploy it that way instead: npx cdk deploy LabWorkerPool -c workerTimeoutSeconds=1/,
      /Usage: labs worker-pool/,
    ],
  ])('labs %j', async (args, message, usage) => {
    const out = await run(args);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toMatch(usage);
    expect(out.stdout).toBe('');
    expect(out.opened).toHaveLength(0);
  });
});

describe('count limits', () => {
  test.each([
    [['stream', '--records', '10000', '--users', '1000']],
    [['stream', 'group', '--consumers', '100']],
    [['fanout', '--orders', '1000']],
    [['worker-pool', '--tasks', '1000', '--poison', '999', '--work-ms', '900000']],
  ])('labs %j: a count at its maximum is accepted and reaches the target', async (args) => {
    const out = await run(args, { openError: new Error('stop here') });
    expect(out.opened).toHaveLength(1);
    expect(out.stderr).toBe('labs: stop here\n');
  });

  test('every count option states its maximum in --help', async () => {
    const help = async (...args: string[]) => (await run([...args, '--help'])).stdout.replace(/\s+/g, ' ');
    expect(await help('stream')).toMatch(/--records <n> records to put \(at most 10,000\) \(default: 30\)/);
    expect(await help('stream')).toMatch(/--users <n> .*\(at most 1,000\)/);
    expect(await help('stream', 'group')).toMatch(/--consumers <n> consumers in the group \(at most 100\)/);
    expect(await help('fanout')).toMatch(/--orders <n> order events to publish \(at most 1,000\)/);
    expect(await help('worker-pool')).toMatch(/--tasks <n> tasks to send \(at most 1,000\)/);
    expect(await help('worker-pool')).toMatch(/--workers <n> .*\(at most 100\)/);
    expect(await help('worker-pool')).toMatch(/--work-ms <ms> .*\(at most 900,000\)/);
    expect(await help('pipeline')).toMatch(/--range-end <n> .*\(at most 100,000,000\)/);
  });
});

describe('help', () => {
  test('labs --help lists every registered module and exits 0', async () => {
    const out = await run(['--help']);
    expect(out.code).toBe(0);
    for (const module of MODULES) expect(out.stdout).toContain(module.name);
    expect(out.stdout).toMatch(/list/);
    expect(out.stdout).toMatch(/all/);
    expect(out.stdout).toMatch(/cost/);
  });

  test('labs worker-pool --help documents --skew', async () => {
    const out = (await run(['worker-pool', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(out).toMatch(/--skew a few tasks work ten times --work-ms; workers pull one task at a time/);
  });

  test('labs worker-pool --skew refuses poison and crash tasks, and too few tasks', async () => {
    expect((await run(['worker-pool', '--skew', '--poison', '1'])).stderr).toMatch(/^error: --skew compares healthy tasks only: leave out --poison and --crash$/m);
    const few = await run(['worker-pool', '--skew', '--tasks', '5']);
    expect(few.code).toBe(2);
    expect(few.stderr).toMatch(/--skew needs at least 10 tasks/);
  });

  test('labs worker-pool --help documents the options with their defaults', async () => {
    const out = await run(['worker-pool', '--help']);
    out.stdout = out.stdout.replace(/\s+/g, ' ');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/--tasks <n>.*\(default: 20\)/s);
    expect(out.stdout).toMatch(/--poison <n>.*\(default: 0\)/s);
    expect(out.stdout).toMatch(/--target <target>.*\(choices: "local", "aws", default: "local"\)/s);
    expect(out.stdout).toContain('LabWorkerPool');
  });

  test('labs stream --help shows the replay and group subcommands', async () => {
    const out = await run(['stream', '--help']);
    expect(out.stdout).toMatch(/replay/);
    expect(out.stdout).toMatch(/group/);
    const help = out.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/keys \[options\] the same device readings put with device, fixed, timestamp and random partition keys/);
    expect(help).toMatch(/vs-queue \[options\] the same messages in the stream and in a queue, each read twice and by a second reader/);
    expect(help).toMatch(/recompute \[options\] a consumer with a known bug counts page views/);
    expect(out.stdout).toMatch(/--records <n>.*\(default: 30\)/s);
  });

  test('labs orders outage --help lists the outage scenarios under their group', async () => {
    const out = await run(['orders', 'outage', '--help']);
    expect(out.stdout).toMatch(/inventory \[options\]\s+inventory's store is down for S seconds/);
    expect(out.stdout).toMatch(/payment \[options\]\s+the payment provider is down: the shared breaker opens/);
  });

  test('labs orders --help lists the redrive with its queues', async () => {
    const out = await run(['orders', 'redrive', '--help']);
    expect(out.stdout).toMatch(/--queue <name>\s+which DLQ to redrive: payment, inventory,\s+notification, all \(default: "all"\)/);
    expect(out.stdout).toMatch(/--orders <n>\s+when the chosen DLQs are empty/);
  });

  test('every registered module loads its lab: a main scenario and a cost model', async () => {
    for (const module of MODULES) {
      const lab = await module.lab();
      expect(lab.main.summary).not.toBe('');
      // A target of $0/h is one (cdc idles at it); command.test.ts holds each template to its target.
    expect(Number.isFinite(lab.cost.idleTargetPerHour) && lab.cost.idleTargetPerHour >= 0).toBe(true);
    }
  });
});

/** A lab whose subcommand takes a positional argument (`demo show <item>`), parsed by its spec. */
const DEMO_WITH_ARGUMENT: ModuleLab = {
  ...DEMO_LAB,
  subcommands: [
    {
      command: 'show',
      summary: 'shows one item',
      arguments: [
        {
          name: 'item',
          description: 'an item id, item-<n>',
          parse: (raw) => {
            if (!/^item-\d+$/.test(raw)) throw new UsageError(`'${raw}' is not an item id: pass item-<n>`);
            return raw.toUpperCase();
          },
        },
      ],
      options: [],
      prepare: (o) => ({ run: async () => ({ verdict: verdictOf([]), observations: { item: o.item ?? 'none' }, render: () => '' }) }),
    },
  ],
};

describe('positional arguments of a scenario command', () => {
  const withArgument = { modules: [fakeModule('demo', DEMO_WITH_ARGUMENT)] };

  test('reach the scenario parsed, under their name, beside the shared options', async () => {
    const out = await run(['demo', 'show', 'item-7', '--json'], withArgument);
    expect([out.code, JSON.parse(out.stdout)]).toEqual([0, { module: 'demo', scenario: 'show', target: 'local', ok: true, failures: [], item: 'ITEM-7' }]);
  });

  test('an optional argument left out is not passed', async () => {
    const out = await run(['demo', 'show', '--json'], withArgument);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, item: 'none' });
  });

  test('a bad value is a one-line usage error from the spec, exit 2, no target opened', async () => {
    const out = await run(['demo', 'show', 'thing'], withArgument);
    expect([out.code, out.opened.length, out.stdout]).toEqual([2, 0, '']);
    expect(out.stderr.split('\n')[0]).toBe("error: command-argument value 'thing' is invalid for argument 'item'. 'thing' is not an item id: pass item-<n>");
  });

  test('labs --help lists a module\'s subcommands with their arguments under its line', async () => {
    const out = await run(['--help']);
    expect(out.stdout.replace(/\s+/g, ' ')).toContain('subcommands: outage inventory, outage payment, redrive, duplicates, trace [orderId]');
  });

  test('are shown in --help', async () => {
    const out = await run(['orders', 'trace', '--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Usage: labs orders trace \[options\] \[orderId\]/);
    expect(out.stdout).toMatch(/Arguments:\n\s+orderId\s+the order id the API answered \(201\) with/);
  });
});

describe('running a lab', () => {
  test('--json prints exactly one JSON object on stdout with module, target, ok and the observations', async () => {
    const out = await run(['demo', '--json', '--items', '4'], demo);
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({ module: 'demo', target: 'local', ok: true, failures: [], items: 4, region: 'us-east-1' });
    expect(out.closed).toBe(1);
  });

  test('a subcommand takes its own shared options: `demo again --json` prints the subcommand\'s JSON', async () => {
    const out = await run(['demo', 'again', '--json', '--items', '2'], demo);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ module: 'demo', scenario: 'again', ok: true, items: 2 });
  });

  test('a failed verdict exits 1 and names the failed expectation', async () => {
    const out = await run(['demo', '--fail'], demo);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('rendered 3 items');
    expect(out.stdout).toMatch(/demo failed: 2 of 3 items arrived/);
    expect(out.closed).toBe(1);
  });

  test('a failed verdict with --json: ok false in the JSON, the reason on stderr', async () => {
    const out = await run(['demo', '--fail', '--json'], demo);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, failures: ['2 of 3 items arrived'] });
    expect(out.stderr).toMatch(/demo failed: 2 of 3 items arrived/);
  });

  test('a target error is one line on stderr, exit 1', async () => {
    const out = await run(['demo'], { ...demo, openError: new Error('stack LabDemo is not deployed in us-east-1: run `npx cdk deploy LabDemo`\n    at somewhere') });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('labs: stack LabDemo is not deployed in us-east-1: run `npx cdk deploy LabDemo`\n');
    expect(out.stdout).toBe('');
  });

  test('a target error with --json still prints one JSON object', async () => {
    const out = await run(['demo', '--json', '--target', 'aws'], { ...demo, openError: new Error('no AWS credentials found') });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({
      module: 'demo',
      target: 'aws',
      ok: false,
      failures: ['no AWS credentials found'],
      error: 'no AWS credentials found',
    });
  });

  test('shared options reach the target; scenario context is passed for the local synth', async () => {
    const out = await run(['demo', '--target', 'aws', '--stack-prefix', 'alice-', '--region', 'eu-west-1', '--profile', 'lab', '--verbose'], demo);
    expect(out.code).toBe(0);
    expect(out.opened[0]).toMatchObject({ context: { items: 3 }, stackPrefix: 'alice-', region: 'eu-west-1', profile: 'lab', verbose: true });
  });

  test('-c key=value (repeatable) reaches the local synth next to the lab\'s own context', async () => {
    const out = await run(['worker-pool', '--workers', '5', '-c', 'workerTimeoutSeconds=1', '-c', 'maxReceiveCount=2', '-c', 'workerPoolSize=5'], {
      openError: new Error('stop here'),
    });
    expect(out.opened[0]?.context).toEqual({ workerPoolSize: 5, workerTimeoutSeconds: '1', maxReceiveCount: '2' });
  });

  test('worker-pool --workers W asks the local target to synthesize a pool of W', async () => {
    const out = await run(['worker-pool', '--workers', '5'], { openError: new Error('stop here') });
    expect(out.opened[0]?.context).toEqual({ workerPoolSize: 5 });
    expect(out.code).toBe(1);
  });

  test('the session is closed when the scenario throws', async () => {
    const throwing: ModuleLab = {
      main: { summary: 'x', options: [], prepare: () => ({ run: async () => Promise.reject(new Error('queue vanished')) }) },
      cost: NO_COST,
    };
    const out = await run(['demo'], { modules: [fakeModule('demo', throwing)] });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('labs: queue vanished\n');
    expect(out.closed).toBe(1);
  });
});

describe('labs all', () => {
  const failing: ModuleLab = {
    main: { ...(DEMO_LAB.main), prepare: (o, env) => DEMO_LAB.main.prepare({ ...o, fail: true }, env) },
    cost: NO_COST,
  };
  const two = { modules: [fakeModule('good', DEMO_LAB), fakeModule('bad', failing)] };

  test('runs every module with its defaults, summarizes, exits 1 if one fails', async () => {
    const out = await run(['all'], two);
    expect(out.code).toBe(1);
    expect(out.opened.map((o) => o.context)).toEqual([{ items: 3 }, { items: 3 }]);
    expect(out.stdout).toMatch(/good .* ✓/);
    expect(out.stdout).toMatch(/bad .* ✗ .* 2 of 3 items arrived/);
    expect(out.closed).toBe(2);
  });

  test('--json: one object with every module\'s result', async () => {
    const out = await run(['all', '--json'], two);
    const parsed = JSON.parse(out.stdout) as { module: string; ok: boolean; modules: { module: string; ok: boolean }[] };
    expect(parsed.module).toBe('all');
    expect(parsed.ok).toBe(false);
    expect(parsed.modules.map((m) => [m.module, m.ok])).toEqual([
      ['good', true],
      ['bad', false],
    ]);
  });

  test('exits 0 when every lab holds', async () => {
    const out = await run(['all'], { modules: [fakeModule('good', DEMO_LAB)] });
    expect(out.code).toBe(0);
  });
});

describe('labs list', () => {
  test('shows every module with its (prefixed) stack id', async () => {
    const out = await run(['list', '--stack-prefix', 'alice-', '--json']);
    const { modules } = JSON.parse(out.stdout) as { modules: { name: string; stackId: string; commands: string[] }[] };
    expect(modules.map((m) => m.stackId)).toEqual(MODULES.map((m) => `alice-${m.stackId}`));
    expect(modules.find((m) => m.name === 'stream')?.commands).toEqual([
      'stream',
      'stream replay',
      'stream group',
      'stream parallel',
      'stream scale',
      'stream reshard',
      'stream size',
      'stream keys',
      'stream vs-queue',
      'stream recompute',
    ]);
  });
});

test('defaultOptions: what a lab runs with when no option is given', async () => {
  expect(defaultOptions((await findModule('worker-pool').lab()).main)).toEqual({ tasks: 20, workMs: 200, poison: 0, crash: false, skew: false });
  expect(defaultOptions((await findModule('stream').lab()).main)).toEqual({ records: 30, users: 5 });
});

test.each([
  [['stream'], { ShardCount: '4', ConsumerNames: 'processor,analytics,search' }, { executions: 12, reason: '4 shards x 3 consumers' }],
  [['pipeline', '--subtasks', '7'], {}, { executions: 7, reason: '7 subtasks, one worker invocation each' }],
  [['worker-pool'], { WorkerPoolSize: '3' }, { executions: 3, reason: 'a worker pool of 3' }],
])('labs %p tells the target how much Lambda concurrency it will need', async (args, outputs, need) => {
  const captured = await run([...args, '--target', 'aws'], { openError: new Error('stack not deployed') });
  expect(captured.opened[0]?.requiredConcurrency?.(outputs)).toEqual(need);
});

test('labs fanout needs no Lambda concurrency', async () => {
  const captured = await run(['fanout', '--target', 'aws'], { openError: new Error('stack not deployed') });
  expect(captured.opened[0]).toBeDefined();
  expect(captured.opened[0]?.requiredConcurrency).toBeUndefined();
});
