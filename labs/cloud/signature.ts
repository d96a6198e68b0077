import { Sha256 } from '@smithy/core/checksum';
import {
  ALGORITHM_IDENTIFIER,
  AMZ_DATE_HEADER,
  createScope,
  GENERATED_HEADERS,
  getCanonicalHeaders,
  getSigningKey,
  SHA256_HEADER,
  SignatureV4Base,
  TOKEN_HEADER,
} from '@smithy/signature-v4';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The cloud's own key pair: every request through the endpoint must be signed with it. */
export interface CloudCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What the check needs of an incoming request, as it came over the wire. */
export interface IncomingRequest {
  readonly method: string;
  /** Path and query string exactly as sent (`/2015-03-31/functions/f/invocations?x=1`). */
  readonly url: string;
  /** Header names in lower case (as Node.js gives them). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: Uint8Array;
}

/** The parts of a SigV4 Authorization header. */
export interface SignatureParts {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export type SignatureVerdict =
  | { readonly ok: true; readonly scope: SignatureParts }
  | { readonly ok: false; readonly code: 'MissingAuthenticationToken' | 'InvalidClientTokenId' | 'SignatureDoesNotMatch'; readonly message: string };

/** How far the request's X-Amz-Date may be from now, as on AWS. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/sqs/aws4_request, SignedHeaders=..., Signature=...`. */
export function parseAuthorization(header: string | undefined): SignatureParts | undefined {
  const match = AUTHORIZATION_PATTERN.exec((header ?? '').trim());
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    date: date as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signedHeaders as string).split(';'),
    signature: signature as string,
  };
}

/** The signing name in the request's credential scope (`sqs`, `dynamodb`...), if it is signed. */
export function signingName(headers: IncomingRequest['headers']): string | undefined {
  return parseAuthorization(headerValue(headers, 'authorization'))?.service;
}

/**
 * Checks a request's SigV4 signature against the cloud's key: the request is signed again, with
 * exactly the headers the client signed, by the SDK's own signer (`RequestVerifier`), and the two
 * signatures compared.
 */
export async function verifySignature(
  request: IncomingRequest,
  credentials: CloudCredentials,
  now: number = Date.now(),
): Promise<SignatureVerdict> {
  const parts = parseAuthorization(headerValue(request.headers, 'authorization'));
  if (parts === undefined) {
    return {
      ok: false,
      code: 'MissingAuthenticationToken',
      message: 'the request is not signed with AWS Signature Version 4: sign it with the keys `labs env` prints',
    };
  }
  if (parts.accessKeyId !== credentials.accessKeyId) {
    return {
      ok: false,
      code: 'InvalidClientTokenId',
      message: `The security token included in the request is invalid: access key ${parts.accessKeyId} is not this local cloud's; run \`eval "$(npx labs env)"\``,
    };
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const signingDate = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (signingDate === undefined || !amzDate?.startsWith(parts.date)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'the request has no valid X-Amz-Date matching its credential scope' };
  }
  if (Math.abs(now - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: `Signature expired: ${amzDate} is more than 15 minutes from the local cloud's clock` };
  }

  // The signer trusts a payload hash given in X-Amz-Content-SHA256: it must be the body's own, or a
  // signed request could carry another body.
  // It is the payload hash the signature covers either way.
  const bodyHash = createHash('sha256').update(request.body ?? new Uint8Array()).digest('hex');
  const declaredHash = headerValue(request.headers, SHA256_HEADER);
  if (declaredHash !== undefined && declaredHash !== bodyHash) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'the X-Amz-Content-SHA256 header is not the hash of the body sent' };
  }

  const { pathname, query } = splitUrl(request.url);
  const headers: Record<string, string> = {};
  for (const name of parts.signedHeaders) {
    // The signer leaves out the headers it sets itself (it signs X-Amz-Date as the date it was given).
    if (GENERATED_HEADERS.includes(name)) continue;
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const sessionToken = headerValue(request.headers, TOKEN_HEADER);
  if (sessionToken) headers[TOKEN_HEADER] = sessionToken;
  const verifier = parts.service === 's3' ? S3_VERIFIER : VERIFIER;
  const expected = await verifier.signatureOf(
    { method: request.method, protocol: 'http:', hostname: 'localhost', path: pathname, query, headers, body: request.body },
    {
      signingDate,
      signableHeaders: new Set(parts.signedHeaders),
      payloadHash: bodyHash,
      scope: createScope(parts.date, parts.region, parts.service),
      signingKey: await signingKey(credentials, parts),
    },
  );
  if (expected.length === parts.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(parts.signature))) {
    return { ok: true, scope: parts };
  }
  return {
    ok: false,
    code: 'SignatureDoesNotMatch',
    message: 'The request signature we calculated does not match the signature you provided: sign with the secret key `labs env` prints',
  };
}

/**
 * The SDK's own SigV4 signer, as `sign()` computes a request's signature, minus what costs a
 * verifier per request and decides nothing: copying the request (it is built here for the check),
 * resolving credentials and region through providers, and the HMAC the signer spends on every call
 * to look its derived key up (the key comes from `signingKey`, derived once per scope).
 */
/** A request as the signer takes it. */
type SignableRequest = Parameters<typeof getCanonicalHeaders>[0];

class RequestVerifier extends SignatureV4Base {
  constructor(uriEscapePath: boolean) {
    // Credentials and region are given per request.
    super({ service: '', region: '', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: Sha256, applyChecksum: false, uriEscapePath });
  }

  async signatureOf(
    request: SignableRequest,
    signing: { signingDate: Date; signableHeaders: Set<string>; payloadHash: string; scope: string; signingKey: Uint8Array },
  ): Promise<string> {
    const { longDate } = this.formatDate(signing.signingDate);
    request.headers[AMZ_DATE_HEADER] = longDate;
    const canonicalRequest = this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, signing.signableHeaders), signing.payloadHash);
    const stringToSign = await this.createStringToSign(longDate, signing.scope, canonicalRequest, ALGORITHM_IDENTIFIER);
    const hash = new this.sha256(signing.signingKey);
    hash.update(Buffer.from(stringToSign, 'utf8'));
    return Buffer.from(await hash.digest()).toString('hex');
  }
}

const VERIFIER = new RequestVerifier(true);
/** S3 signs the path as sent, without escaping it again. */
const S3_VERIFIER = new RequestVerifier(false);

/** Derived signing keys by secret and credential scope (a date, a region, a service): four HMACs once per scope, not per request. */
const signingKeys = new Map<string, Promise<Uint8Array>>();
const MAX_SIGNING_KEYS = 64;

function signingKey(credentials: CloudCredentials, parts: SignatureParts): Promise<Uint8Array> {
  // Newlines cannot occur in a key or a scope part, so the cache key is unambiguous.
  const key = `${credentials.secretAccessKey}\n${parts.date}\n${parts.region}\n${parts.service}`;
  let derived = signingKeys.get(key);
  if (derived === undefined) {
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    derived = getSigningKey(Sha256, credentials, parts.date, parts.region, parts.service);
    derived.catch(() => signingKeys.delete(key));
    signingKeys.set(key, derived);
  }
  return derived;
}

/** One header's value; repeated headers are joined as Node.js joins them. */
export function headerValue(headers: IncomingRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `20261201T190414Z` as a Date. */
function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
}

/** The path as sent (still percent-encoded, as the client signed it) and the decoded query parameters. */
function splitUrl(url: string): { pathname: string; query: Record<string, string | string[]> } {
  const at = url.indexOf('?');
  const pathname = at < 0 ? url : url.slice(0, at);
  const query: Record<string, string | string[]> = {};
  if (at >= 0) {
    for (const pair of url.slice(at + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
      const existing = query[key];
      query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
  }
  return { pathname, query };
}
