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
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

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
  return checkSignature(request, credentials, now);
}

/**
 * `verifySignature` with no await when the scope's derived key is known (every request after a
 * scope's first): the verdict itself, or a promise of it when the key must be derived first.
 */
export function checkSignature(
  request: IncomingRequest,
  credentials: CloudCredentials,
  now: number = Date.now(),
  /** The request's Authorization header, when the caller parsed it already (to route the request). */
  parts: SignatureParts | undefined = parseAuthorization(headerValue(request.headers, 'authorization')),
): SignatureVerdict | Promise<SignatureVerdict> {
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
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signedAt === undefined || !amzDate.startsWith(parts.date)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'the request has no valid X-Amz-Date matching its credential scope' };
  }
  if (Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
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
  const signable: SignableRequest = { method: request.method, protocol: 'http:', hostname: 'localhost', path: pathname, query, headers, body: request.body };
  const compare = (signingKey: Uint8Array): SignatureVerdict => {
    const expected = verifier.signatureOf(signable, {
      // X-Amz-Date, checked above to be a valid date in the credential scope's day, is the signer's long date.
      longDate: amzDate,
      signableHeaders: new Set(parts.signedHeaders),
      payloadHash: bodyHash,
      scope: createScope(parts.date, parts.region, parts.service),
      signingKey,
    });
    if (expected.length === parts.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(parts.signature))) {
      return { ok: true, scope: parts };
    }
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided: sign with the secret key `labs env` prints',
    };
  };
  const key = signingKey(credentials, parts);
  return key instanceof Uint8Array ? compare(key) : key.then(compare);
}

/** A request as the signer takes it. */
type SignableRequest = Parameters<typeof getCanonicalHeaders>[0];

/**
 * The SDK's own SigV4 canonicalization (`SignatureV4Base`: canonical headers, path, query, request),
 * with the two hashes that follow it done synchronously by Node's crypto: the string to sign is
 * `ALGORITHM\nDATE\nSCOPE\nhex(SHA-256(canonical request))` and the signature its HMAC-SHA256 under
 * the scope's derived key, as the signer's own `createStringToSign` and `getSignature` compute them,
 * minus their awaits. Every await of a check runs whatever else waits in the process before the
 * request goes on (a third of the endpoint's time per request, measured), and nothing here waits on
 * I/O. It leaves out what a signer does and a check does not need: copying the request (it is built
 * here for the check), resolving credentials and region through providers, and deriving the key
 * again (see `signingKey`).
 */
class RequestVerifier extends SignatureV4Base {
  constructor(uriEscapePath: boolean) {
    // Credentials and region are given per request.
    super({ service: '', region: '', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: Sha256, applyChecksum: false, uriEscapePath });
  }

  signatureOf(
    request: SignableRequest,
    signing: { longDate: string; signableHeaders: Set<string>; payloadHash: string; scope: string; signingKey: Uint8Array },
  ): string {
    request.headers[AMZ_DATE_HEADER] = signing.longDate;
    const canonicalRequest = this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, signing.signableHeaders), signing.payloadHash);
    const hashedRequest = createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
    const stringToSign = `${ALGORITHM_IDENTIFIER}\n${signing.longDate}\n${signing.scope}\n${hashedRequest}`;
    return createHmac('sha256', signing.signingKey).update(stringToSign, 'utf8').digest('hex');
  }
}

const VERIFIER = new RequestVerifier(true);
/** S3 signs the path as sent, without escaping it again. */
const S3_VERIFIER = new RequestVerifier(false);

/** Derived signing keys by secret and credential scope (a date, a region, a service): four HMACs once per scope, not per request. */
const signingKeys = new Map<string, Uint8Array>();
const MAX_SIGNING_KEYS = 64;

/** The scope's derived key: from the cache with no await, derived (by the SDK's signer) on a miss. */
function signingKey(credentials: CloudCredentials, parts: SignatureParts): Uint8Array | Promise<Uint8Array> {
  // Newlines cannot occur in a key or a scope part, so the cache key is unambiguous.
  const key = `${credentials.secretAccessKey}\n${parts.date}\n${parts.region}\n${parts.service}`;
  const cached = signingKeys.get(key);
  if (cached !== undefined) return cached;
  return getSigningKey(Sha256, credentials, parts.date, parts.region, parts.service).then((derived) => {
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(key, derived);
    return derived;
  });
}

/** One header's value; repeated headers are joined as Node.js joins them. */
export function headerValue(headers: IncomingRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const AMZ_DATE_PATTERN = /^\d{8}T\d{6}Z$/;

/** `20261201T190414Z` as epoch ms; undefined when it is not a valid date in that form. */
function parseAmzDate(value: string): number | undefined {
  if (!AMZ_DATE_PATTERN.test(value)) return undefined;
  const field = (from: number, to: number): number => Number(value.slice(from, to));
  const at = Date.UTC(field(0, 4), field(4, 6) - 1, field(6, 8), field(9, 11), field(11, 13), field(13, 15));
  return Number.isNaN(at) ? undefined : at;
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
