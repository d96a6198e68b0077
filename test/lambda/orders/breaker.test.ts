import { admit, afterFailure, afterSuccess, INITIAL_BREAKER, type BreakerState } from '../../../lambda/orders/breaker';

const policy = { failureThreshold: 3, coolDownMs: 1000 };
const closed = (failures: number): BreakerState => ({ status: 'CLOSED', failures, openUntil: 0, version: 7 });
const open = (openUntil: number): BreakerState => ({ status: 'OPEN', failures: 0, openUntil, version: 7 });
const halfOpen = (openUntil: number): BreakerState => ({ status: 'HALF_OPEN', failures: 0, openUntil, version: 7 });

describe('admit', () => {
  test.each<[string, BreakerState, number, ReturnType<typeof admit>]>([
    ['a closed breaker lets calls through', closed(2), 5000, { kind: 'call' }],
    ['an open breaker holds calls for the rest of its cool-down', open(6000), 5000, { kind: 'wait', delayMs: 1000 }],
    ['an open breaker past its cool-down lets one probe go half-open', open(5000), 5000, { kind: 'probe', next: { ...halfOpen(6000), version: 8 } }],
    ['a half-open breaker holds everyone else while its probe runs', halfOpen(5600), 5000, { kind: 'wait', delayMs: 600 }],
    ['a half-open breaker whose probe never reported lets another probe go', halfOpen(4000), 5000, { kind: 'probe', next: { ...halfOpen(6000), version: 8 } }],
  ])('%s', (_name, state, now, expected) => {
    expect(admit(state, now, policy)).toEqual(expected);
  });
});

describe('transitions', () => {
  test.each<[string, BreakerState, BreakerState]>([
    ['a failure below the threshold counts', closed(1), { ...closed(2), version: 8 }],
    ['the threshold-th consecutive failure opens it for a cool-down', closed(2), { ...open(6000), version: 8 }],
    ['a failed probe reopens it', halfOpen(5500), { ...open(6000), version: 8 }],
  ])('%s', (_name, state, expected) => {
    expect(afterFailure(state, 5000, policy)).toEqual(expected);
  });

  test.each<[string, BreakerState, BreakerState | undefined]>([
    ['a successful probe closes it', halfOpen(5500), { ...closed(0), version: 8 }],
    ['a success resets the failure count', closed(2), { ...closed(0), version: 8 }],
    ['a success on a clean closed breaker writes nothing', closed(0), undefined],
  ])('%s', (_name, state, expected) => {
    expect(afterSuccess(state)).toEqual(expected);
  });

  test('opens after exactly failureThreshold consecutive failures from the initial state', () => {
    let state = INITIAL_BREAKER;
    const statuses: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      state = afterFailure(state, 0, policy);
      statuses.push(state.status);
    }
    expect(statuses).toEqual(['CLOSED', 'CLOSED', 'OPEN']);
  });
});
