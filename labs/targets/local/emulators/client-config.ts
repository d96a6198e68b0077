import { requestTimeoutConfig, type LabHttpHandler } from '../../request-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../model';

export interface LocalClientConfig {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly requestHandler: LabHttpHandler;
  readonly maxAttempts: number;
}

/**
 * The configuration every SDK client of the local cloud is built with: the local region and
 * credentials, the emulator's endpoint, and an HTTP/1.1 handler (the Kinesis client defaults to
 * HTTP/2, which the emulators reject; the other clients use HTTP/1.1 anyway) whose requests time out:
 * a stuck emulator fails the call instead of hanging the lab.
 */
export function localClientConfig(endpoint: string): LocalClientConfig {
  return {
    region: LOCAL_REGION,
    endpoint,
    credentials: { ...LOCAL_CREDENTIALS },
    ...requestTimeoutConfig(),
  };
}
