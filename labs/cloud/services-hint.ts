import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServiceName } from '../targets/local/model';
import { statePath } from './state';

/**
 * Which emulators each module's template needed when last synthesized here, so `labs up` can start
 * them while it synthesizes. A hint, never trusted: the synthesized template decides.
 */

/** Beside the default state file: a cloud with its own state file (tests, the bench) still learns. */
function servicesFile(): string {
  return join(dirname(statePath({})), 'cloud-services.json');
}

export function readKnownServices(): Record<string, ServiceName[]> {
  try {
    return JSON.parse(readFileSync(servicesFile(), 'utf8')) as Record<string, ServiceName[]>;
  } catch {
    return {};
  }
}

export function rememberServices(services: Record<string, ServiceName[]>): void {
  mkdirSync(dirname(servicesFile()), { recursive: true });
  writeFileSync(servicesFile(), `${JSON.stringify(services)}\n`);
}
