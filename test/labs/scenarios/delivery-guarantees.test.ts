import { guaranteesVerdict, type GuaranteesObservations, type ModeObservation } from '../../../labs/scenarios/delivery-guarantees';

const mode = (m: ModeObservation['mode'], never: number, once: number, moreThanOnce: number): ModeObservation => ({ mode: m, sent: 10, crashes: 2, never, once, moreThanOnce });
const observed = (modes: ModeObservation[], timedOut = false): GuaranteesObservations => ({ runId: 'r', modes, visibilityTimeoutSeconds: 12, timedOut, elapsedMs: 15_000 });
const EXACT = [mode('at-most-once', 2, 8, 0), mode('at-least-once', 0, 8, 2), mode('effectively-once', 0, 10, 0)];

describe('guaranteesVerdict', () => {
  it('holds when each mode shows exactly its guarantee', () => {
    expect(guaranteesVerdict(observed(EXACT))).toEqual({ ok: true, failures: [] });
  });

  it.each([
    ['at-most-once duplicated a message', [mode('at-most-once', 2, 7, 1), EXACT[1]!, EXACT[2]!], /at-most-once: 7 message\(s\) had their effect once, expected 8/],
    ['at-least-once lost a message', [EXACT[0]!, mode('at-least-once', 1, 7, 2), EXACT[2]!], /at-least-once: 1 message\(s\) had their effect never, expected 0/],
    ['effectively-once counted a redelivery', [EXACT[0]!, EXACT[1]!, mode('effectively-once', 0, 9, 1)], /effectively-once: 1 message\(s\) had their effect moreThanOnce, expected 0/],
  ])('fails if %s', (_name, modes, message) => {
    const verdict = guaranteesVerdict(observed(modes));
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(message);
  });

  it('fails if the queue did not drain in time', () => {
    expect(guaranteesVerdict(observed(EXACT, true)).failures).toEqual([expect.stringMatching(/did not drain before the deadline/)]);
  });
});
