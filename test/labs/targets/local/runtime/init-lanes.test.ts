import { InitLanes } from '../../../../../labs/targets/local/runtime/init-lanes';
import { ExecutionEnvironment } from '../../../../../labs/targets/local/runtime/execution-environment';
import { fixtureFunction } from './function-specs';

/** A promise and its resolver, to end an INIT when the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('INIT lanes', () => {
  it('runs at most `lanes` INITs at once and starts the waiting ones first come, first served', async () => {
    // GIVEN two lanes and four INITs that end when their gate opens
    const lanes = new InitLanes(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) => lanes.run(async () => (started.push(i), await g.promise, i)));
    await Promise.resolve();
    // THEN two run, two wait
    expect(started).toEqual([0, 1]);
    expect(lanes.queued).toBe(2);
    // WHEN the second ends, the third takes its lane; the fourth still waits
    gates[1]?.open();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect(lanes.queued).toBe(1);
    // AND a failed INIT gives its lane back too
    const failing = lanes.run(async () => Promise.reject(new Error('init failed')));
    gates[0]?.open();
    gates[2]?.open();
    gates[3]?.open();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2, 3]);
    await expect(failing).rejects.toThrow('init failed');
    expect(lanes.queued).toBe(0);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('refuses a lane count that is not a positive integer', () => {
    expect(() => new InitLanes(0)).toThrow('INIT lanes must be a positive integer, got 0');
    expect(() => new InitLanes(1.5)).toThrow('INIT lanes must be a positive integer, got 1.5');
  });
});

describe('environments sharing one INIT lane', () => {
  it('starts the second INIT when the first one ends, and times each from its own start', async () => {
    // GIVEN one lane and two cold environments whose module scope takes 400 ms
    const lanes = new InitLanes(1);
    const events: string[] = [];
    const make = (name: string): ExecutionEnvironment =>
      new ExecutionEnvironment({
        spec: fixtureFunction('slow-init', { environment: { INIT_MS: '400' } }),
        baseEnvironment: {},
        region: 'us-east-1',
        initLanes: lanes,
        onOutput: (_stream, _name, line) => {
          if (line.endsWith('init started')) events.push(`${name} init started`);
          const init = /Init Duration: ([\d.]+) ms/.exec(line);
          if (init) events.push(`${name} init ${Number(init[1]) < 2 * 400 ? 'one INIT long' : 'longer than one INIT'}`);
        },
      });
    const a = make('a');
    const b = make('b');
    // WHEN both are invoked at once
    const [first] = await Promise.all([a.initialize().then(() => events.push('a ready')), b.initialize()]);
    expect(first).toBeGreaterThan(0);
    await Promise.all([a.invoke({}), b.invoke({})]);
    // THEN b's module scope ran only after a's INIT had ended, and neither INIT counts the wait
    expect(events.indexOf('b init started')).toBeGreaterThan(events.indexOf('a ready'));
    expect(events.filter((e) => e.includes(' init one') || e.includes(' init longer')).sort()).toEqual(['a init one INIT long', 'b init one INIT long']);
    await Promise.all([a.terminate(), b.terminate()]);
  });

  it('never starts the INIT of an environment ended while it waited for a lane', async () => {
    // GIVEN one lane held by a slow INIT, and a second environment waiting for it
    const lanes = new InitLanes(1);
    const lines: string[] = [];
    const make = (): ExecutionEnvironment =>
      new ExecutionEnvironment({
        spec: fixtureFunction('slow-init', { environment: { INIT_MS: '300' } }),
        baseEnvironment: {},
        region: 'us-east-1',
        initLanes: lanes,
        onOutput: (_stream, _name, line) => lines.push(line),
      });
    const a = make();
    const b = make();
    // WHEN the waiting one is ended
    await b.terminate();
    await a.initialize();
    // THEN its invocation fails at once, and only one module scope ever ran
    expect(await b.invoke({})).toMatchObject({ ok: false, error: { errorType: 'Runtime.Terminated' } });
    expect(lines.filter((line) => line.endsWith('init started'))).toHaveLength(1);
    await a.terminate();
  });
});
