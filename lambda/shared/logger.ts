import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per handler module; the service name comes from POWERTOOLS_SERVICE_NAME. */
export function createLogger(): Logger {
  return new Logger();
}
