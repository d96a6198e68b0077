import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../lib/app';
import { findModule } from '../../lib/modules';

/** One unacknowledged violation of a validation plugin (cdk-nag's AwsSolutions pack, or the template rules). */
export interface NagFinding {
  readonly plugin: string;
  readonly ruleId: string;
  readonly path: string;
  readonly message: string;
  readonly severity: string;
}

interface ValidationReport {
  readonly pluginReports?: ReadonlyArray<{
    readonly pluginName: string;
    readonly violations?: ReadonlyArray<{
      readonly ruleName: string;
      readonly description: string;
      readonly severity?: string;
      readonly violatingConstructs?: ReadonlyArray<{ readonly constructPath?: string }>;
      readonly violatingResources?: ReadonlyArray<{ readonly resourceLogicalId?: string; readonly templatePath?: string }>;
    }>;
  }>;
}

// The CDK writes the report under this name (older releases used policy-validation-report.json).
const REPORT_FILES = ['validation-report.json', 'policy-validation-report.json'];

/**
 * Registers cdk-nag's AwsSolutions pack on `app`, synthesizes it into a temporary directory and returns
 * every finding that no `Validations.of(construct).acknowledge(...)` covers, warnings included.
 *
 * The app must not have been synthesized yet (an App synthesizes once; a plugin added afterwards never
 * runs): pass a fresh app, e.g. from {@link nagFindingsForModule}, never the app of `synthModule`.
 */
export function nagFindings(app: App): NagFinding[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let synthError: unknown;
  try {
    app.synth({ force: true });
  } catch (error) {
    synthError = error;
  }
  const reportFile = REPORT_FILES.map((name) => join(app.outdir, name)).find((file) => existsSync(file));
  const findings = reportFile ? findingsOf(JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport) : [];
  // A synth that failed for another reason must not pass as "no findings".
  if (synthError !== undefined && findings.length === 0) throw synthError;
  return findings;
}

/** Builds a fresh app holding only `moduleName`'s stack (no bundling) and returns its unacknowledged findings. */
export function nagFindingsForModule(moduleName: string, context: Record<string, unknown> = {}): NagFinding[] {
  const outdir = mkdtempSync(join(tmpdir(), 'nag-app-'));
  try {
    const app = buildApp({ bundling: false, modules: [findModule(moduleName)], context, outdir });
    return nagFindings(app);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Fails, listing rule id, construct path and message of each finding, unless `app` has none. */
export function expectNoUnacknowledgedNagFindings(app: App): void {
  failOnFindings(nagFindings(app));
}

/** As {@link expectNoUnacknowledgedNagFindings}, for one module of the registry built on a fresh app. */
export function expectModuleNagClean(moduleName: string, context: Record<string, unknown> = {}): void {
  failOnFindings(nagFindingsForModule(moduleName, context));
}

export function formatFindings(findings: readonly NagFinding[]): string {
  return findings.map((f) => `[${f.severity}] ${f.ruleId} at ${f.path}: ${f.message} (${f.plugin})`).join('\n');
}

function failOnFindings(findings: readonly NagFinding[]): void {
  if (findings.length > 0) {
    throw new Error(
      `${findings.length} unacknowledged validation finding(s); fix them, or acknowledge each with ` +
        `Validations.of(construct).acknowledge({ id, reason }) and a real reason:\n${formatFindings(findings)}`,
    );
  }
}

function findingsOf(report: ValidationReport): NagFinding[] {
  const findings: NagFinding[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const violation of plugin.violations ?? []) {
      const paths = [
        ...(violation.violatingConstructs ?? []).map((c) => c.constructPath),
        ...(violation.violatingResources ?? []).map((r) => r.resourceLogicalId && `${r.templatePath ?? ''}#${r.resourceLogicalId}`),
      ].filter((p): p is string => typeof p === 'string' && p !== '');
      for (const path of paths.length > 0 ? [...new Set(paths)] : ['(unknown)']) {
        findings.push({
          plugin: plugin.pluginName,
          ruleId: violation.ruleName,
          path,
          message: violation.description,
          severity: violation.severity ?? 'error',
        });
      }
    }
  }
  return findings;
}
