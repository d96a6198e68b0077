import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { buildApp } from '../lib/app';
import { MODULES, type LabModule } from '../lib/modules';
import { elapsedMs, median, sample } from './stats';
import { ORIGINAL_ENV } from './ventilator-env';

/**
 * How long the feedback loops take: synthesizing each stack without bundling (what every unit test
 * of a stack pays), and the whole unit suite.
 */

export interface SynthFigure {
  readonly stack: string;
  /** Median of in-process syntheses, template validation included, bundling off. */
  readonly medianMs: number;
  readonly runs: number;
}

function synthesize(module: LabModule): void {
  buildApp({ bundling: false, modules: [module] }).synth();
}

export async function measureSynth(runs: number): Promise<SynthFigure[]> {
  // Untimed: the first synthesis loads aws-cdk-lib, which no later one pays.
  for (const module of MODULES) synthesize(module);
  const figures: SynthFigure[] = [];
  for (const module of MODULES) {
    const times = await sample(runs, () => elapsedMs(() => synthesize(module)));
    figures.push({ stack: module.stackId, medianMs: Math.round(median(times)), runs });
  }
  return figures;
}

export interface UnitSuiteFigure {
  readonly seconds: number;
  readonly passed: boolean;
  /** The failing tests' lines of jest's report, when it did not pass. */
  readonly failures?: readonly string[];
}

const PROJECT_ROOT = resolve(__dirname, '..');

/** Runs `npx jest --selectProjects unit` once and times it; its own output is not shown. */
export async function measureUnitSuite(): Promise<UnitSuiteFigure> {
  let exitCode: number | null = null;
  let report = '';
  const ms = await elapsedMs(
    () =>
      new Promise<void>((done, fail) => {
        const child = spawn('npx', ['jest', '--selectProjects', 'unit'], {
          cwd: PROJECT_ROOT,
          // Not the handler settings the bench gave itself (silenced logs would fail the logging tests).
          env: ORIGINAL_ENV,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        // jest reports on stderr; only the failing lines are kept.
        child.stderr.on('data', (chunk: Buffer) => {
          report += chunk.toString('utf8');
        });
        child.on('error', fail);
        child.on('exit', (code) => {
          exitCode = code;
          done();
        });
      }),
  );
  const passed = exitCode === 0;
  const failures = passed ? [] : report.split('\n').filter((line) => /✕|●|FAIL/.test(line)).slice(0, 20);
  return { seconds: Math.round(ms / 100) / 10, passed, ...(passed ? {} : { failures }) };
}
