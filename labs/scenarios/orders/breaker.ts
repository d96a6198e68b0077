import type { BreakerState, BreakerStatus } from '../../../lambda/orders/breaker';
import type { BreakerTransition, ProviderCall } from '../../../lambda/orders/breaker-record';

/**
 * What the payment breaker did over a run, from the record the pool leaves in the control table: its
 * transitions (by the version each wrote) and every provider call (with the breaker version behind
 * it). The lab reads the status behind each call from the transitions, not from the caller's word.
 */
export interface BreakerObservations {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  readonly initial: BreakerStatus;
  readonly final: BreakerStatus;
  /** Every change of status, `at` in ms after the run started. */
  readonly transitions: readonly { readonly at: number; readonly from: BreakerStatus; readonly to: BreakerStatus }[];
  /** Failed deliveries the closed breaker counted before it opened (undefined: it never opened). */
  readonly failuresBeforeOpen?: number;
  readonly providerCalls: number;
  /** Calls made behind an open breaker, or beside the one probe of a half-open one: must be 0. */
  readonly providerCallsWhileOpen: number;
  /** The single calls a half-open breaker let through. */
  readonly probes: number;
  readonly callsByOutcome: Readonly<Record<string, number>>;
}

/** The status the breaker had at `version`: the last transition at or before it, else the initial one. */
export function statusAt(version: number, initial: BreakerState, transitions: readonly BreakerTransition[]): BreakerStatus {
  let status = initial.status;
  for (const t of transitions) if (t.version <= version) status = t.to;
  return status;
}

export function breakerObservationsOf(input: {
  readonly policy: { readonly failureThreshold: number; readonly coolDownMs: number };
  readonly initial: BreakerState;
  readonly final: BreakerState;
  readonly transitions: readonly BreakerTransition[];
  readonly calls: readonly ProviderCall[];
  /** Epoch ms the run started. */
  readonly startedAt: number;
}): BreakerObservations {
  const transitions = [...input.transitions].sort((a, b) => a.version - b.version);
  let whileOpen = 0;
  const probed = new Set<number>();
  const callsByOutcome: Record<string, number> = {};
  for (const call of input.calls) {
    callsByOutcome[call.outcome] = (callsByOutcome[call.outcome] ?? 0) + 1;
    const status = statusAt(call.breakerVersion, input.initial, transitions);
    if (status === 'OPEN') whileOpen += 1;
    else if (status === 'HALF_OPEN') {
      // A half-open version is the probe its writer holds: one call, the second is a breach.
      if (probed.has(call.breakerVersion)) whileOpen += 1;
      else probed.add(call.breakerVersion);
    }
  }
  const opened = transitions.find((t) => t.from === 'CLOSED' && t.to === 'OPEN');
  return {
    failureThreshold: input.policy.failureThreshold,
    coolDownMs: input.policy.coolDownMs,
    initial: input.initial.status,
    final: input.final.status,
    transitions: transitions.map((t) => ({ at: t.at - input.startedAt, from: t.from, to: t.to })),
    // Each failure a closed breaker counts is one write (one version); the last of them opens it.
    ...(opened !== undefined && input.initial.status === 'CLOSED' ? { failuresBeforeOpen: input.initial.failures + opened.version - input.initial.version } : {}),
    providerCalls: input.calls.length,
    providerCallsWhileOpen: whileOpen,
    probes: probed.size,
    callsByOutcome,
  };
}

const NEXT: Readonly<Record<BreakerStatus, readonly BreakerStatus[]>> = { CLOSED: ['OPEN'], OPEN: ['HALF_OPEN'], HALF_OPEN: ['OPEN', 'CLOSED'] };

/**
 * A breaker that went through an outage as it should: closed, opened after exactly its threshold of
 * failures, no call while open, one probe per half-open spell, each transition a legal one, and closed
 * again by a probe after the outage ended (`recoveredAt`, ms after the start).
 */
export function breakerFailures(b: BreakerObservations, recoveredAt: number): string[] {
  const failures: string[] = [];
  if (b.initial !== 'CLOSED') failures.push(`the payment breaker was ${b.initial} when the run started, expected CLOSED`);
  const first = b.transitions[0];
  if (first === undefined) return [...failures, 'the payment breaker never changed: it should have opened during the outage'];
  if (first.from !== 'CLOSED' || first.to !== 'OPEN') failures.push(`the breaker's first transition was ${first.from} -> ${first.to}, expected CLOSED -> OPEN`);
  if (b.failuresBeforeOpen !== undefined && b.failuresBeforeOpen !== b.failureThreshold) {
    failures.push(`the breaker opened after ${b.failuresBeforeOpen} failed deliveries, expected ${b.failureThreshold}`);
  }
  b.transitions.forEach((t, i) => {
    const before = i === 0 ? b.initial : b.transitions[i - 1]!.to;
    if (t.from !== before || !NEXT[t.from].includes(t.to)) failures.push(`transition ${i + 1} (${t.from} -> ${t.to}) does not follow ${before}`);
  });
  if (b.providerCallsWhileOpen > 0) failures.push(`${b.providerCallsWhileOpen} provider call(s) while the breaker was open`);
  const halfOpened = b.transitions.filter((t) => t.to === 'HALF_OPEN').length;
  if (b.probes !== halfOpened) failures.push(`${b.probes} probe call(s) for ${halfOpened} half-open spell(s), expected one each`);
  const last = b.transitions[b.transitions.length - 1]!;
  if (b.final !== 'CLOSED' || last.to !== 'CLOSED') failures.push(`the breaker ended ${b.final}, expected CLOSED after the provider recovered`);
  else if (last.at < recoveredAt) failures.push(`the breaker closed at ${last.at} ms, before the provider recovered at ${recoveredAt} ms`);
  return failures;
}
