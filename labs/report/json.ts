import type { TargetName } from '../targets/target';
import type { LabOutcome } from '../scenarios/scenario';

/**
 * What `--json` prints for one lab: the contract's `module`, `target` and `ok`, the failed
 * expectations, then the module's observations.
 */
export interface LabResult {
  readonly module: string;
  readonly target: TargetName;
  /** Set for a secondary scenario (`stream replay`, `stream group`). */
  readonly scenario?: string;
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly error?: string;
  readonly [observation: string]: unknown;
}

export function labResult(module: string, target: TargetName, scenario: string | undefined, outcome: LabOutcome): LabResult {
  return {
    module,
    target,
    ...(scenario ? { scenario } : {}),
    ok: outcome.verdict.ok,
    failures: outcome.verdict.failures,
    ...outcome.observations,
  };
}

/** A lab that could not run (target error): still one JSON object, with the one-line reason. */
export function errorResult(module: string, target: TargetName, scenario: string | undefined, message: string): LabResult {
  return { module, target, ...(scenario ? { scenario } : {}), ok: false, failures: [message], error: message };
}

export function toJsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
