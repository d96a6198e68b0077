import { randomBytes } from 'node:crypto';
import { LOCAL_REGION } from '../targets/local/model';
import type { CloudCredentials } from './signature';

/** Environment for code that talks to the cloud through its endpoint with its key (handlers, labs env). */
export function endpointEnvironment(url: string, credentials: CloudCredentials): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    ...Object.fromEntries((['SQS', 'SNS', 'KINESIS', 'DYNAMODB', 'LAMBDA'] as const).map((service) => [`AWS_ENDPOINT_URL_${service}`, url])),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
}

/** A fresh key pair, shaped like AWS's (`AKIA` + 16 characters, 40-character secret). */
export function newCredentials(): CloudCredentials {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(16)].map((byte) => alphabet[byte % 32]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}
