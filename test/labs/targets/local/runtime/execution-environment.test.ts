import { ExecutionEnvironment } from '../../../../../labs/targets/local/runtime/execution-environment';
import { fixtureFunction } from './function-specs';

/**
 * Lambda's INIT phase has 10 s; past them Lambda cuts it and runs it again at the first invocation,
 * within the function's timeout. Scaled down here: a 200 ms limit and a module scope of 400 ms.
 */
describe('an execution environment whose INIT exceeds its limit', () => {
  function environment(initMs: number, timeoutSeconds: number): { env: ExecutionEnvironment; lines: string[] } {
    const lines: string[] = [];
    const env = new ExecutionEnvironment({
      spec: fixtureFunction('slow-init', { timeoutSeconds, environment: { INIT_MS: String(initMs) } }),
      baseEnvironment: {},
      region: 'us-east-1',
      initTimeoutMs: 200,
      onOutput: (_stream, _name, line) => lines.push(line),
    });
    return { env, lines };
  }

  it('runs INIT again at the first invocation, within the function timeout, and the invocation succeeds', async () => {
    // GIVEN
    const { env, lines } = environment(400, 3);
    // WHEN
    const outcome = await env.invoke({});
    // THEN
    expect(outcome).toMatchObject({ ok: true, payload: { ok: true } });
    // the cut is reported, and the module scope ran (again) after it: the first run may not even have
    // printed before the cut on a loaded machine, the second always does
    const cut = lines.indexOf('INIT_REPORT Init Duration: 200.00 ms\tPhase: init\tStatus: timeout');
    const inits = (): number[] => lines.flatMap((line, i) => (line.endsWith('init started') ? [i] : []));
    expect(cut).toBeGreaterThanOrEqual(0);
    expect(inits().filter((i) => i > cut)).toHaveLength(1);
    expect(env.alive).toBe(true);
    // AND a warm invocation loads nothing again
    const before = inits().length;
    expect(await env.invoke({})).toMatchObject({ ok: true });
    expect(inits()).toHaveLength(before);
    await env.terminate();
  });

  it('times the invocation out when the second INIT outlasts the function timeout, and ends the environment', async () => {
    // GIVEN a module scope of 1.5 s and a 1 s function timeout
    const { env } = environment(1500, 1);
    // WHEN
    const outcome = await env.invoke({});
    // THEN the invocation did not wait for the second INIT to end (it would have, and succeeded)
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' } });
    expect(env.alive).toBe(false);
    await env.terminate();
  });
});
