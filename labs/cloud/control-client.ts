import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { CONTROL_PREFIX, CONTROL_SERVICE } from './router';
import type { CloudState } from './state';

/** Calls the running cloud's control API (`/_labs/<operation>`), signed with its key like any request. */
export async function callControl<T>(
  state: CloudState,
  operation: string,
  options: { readonly query?: Record<string, string>; readonly body?: unknown } = {},
): Promise<T> {
  const url = new URL(`${CONTROL_PREFIX}${operation}`, state.url);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const signer = new SignatureV4({
    credentials: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
    region: state.region,
    service: CONTROL_SERVICE,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: body === undefined ? 'GET' : 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  let response: Response;
  try {
    response = await fetch(url, { method: signed.method, headers: signed.headers, ...(body === undefined ? {} : { body }) });
  } catch (error) {
    throw new Error(`cannot reach the local cloud on ${state.url} (${(error as Error).message}): is \`labs up\` still running?`, { cause: error });
  }
  const answer = (await response.json()) as { ok?: boolean; value?: T; error?: string; message?: string };
  if (answer.ok !== true) throw new Error(answer.error ?? answer.message ?? `the local cloud answered ${response.status}`);
  return answer.value as T;
}
