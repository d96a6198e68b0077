import { join } from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type FunctionSpec } from '../../../../../labs/targets/local/model';

export const HANDLERS_DIR = join(__dirname, '..', '..', '..', '..', 'fixtures', 'handlers');

/** A function running one of the fixture handlers in test/fixtures/handlers/<fixture>/index.js. */
export function fixtureFunction(fixture: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  const functionName = overrides.functionName ?? `Lab-${fixture}-ABC123`;
  return {
    logicalId: `${fixture.replace(/-/g, '')}Function`,
    functionName,
    functionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    bundleDir: join(HANDLERS_DIR, fixture),
    handler: 'index.handler',
    timeoutSeconds: 3,
    memorySizeMiB: 256,
    environment: {},
    asyncInvoke: { maximumRetryAttempts: 2 },
    ...overrides,
  };
}
