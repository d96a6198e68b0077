import { checkSignature, MAX_CLOCK_SKEW_MS, parseAuthorization, verifySignature } from '../../../labs/cloud/signature';
import { KEY, SAMPLES, signRaw } from './signed-requests';

describe('verifySignature', () => {
  test.each(Object.keys(SAMPLES) as (keyof typeof SAMPLES)[])('accepts a %s request signed by its SDK v3 client with the cloud key', async (name) => {
    // GIVEN
    const request = await SAMPLES[name]();
    // WHEN
    const verdict = await verifySignature(request, KEY);
    // THEN
    expect(verdict).toMatchObject({ ok: true });
  });

  test('fails with SignatureDoesNotMatch if the secret key is another', async () => {
    const request = await SAMPLES.sqs();
    const verdict = await verifySignature(request, { ...KEY, secretAccessKey: 'another-secret' });
    expect(verdict).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  test('fails with SignatureDoesNotMatch for another secret key once the scope was verified with the cloud key', async () => {
    // GIVEN the signing key of this scope derived (and kept) for the cloud key
    const request = await SAMPLES.sqs();
    expect(await verifySignature(request, KEY)).toMatchObject({ ok: true });
    // WHEN
    const verdict = await verifySignature(request, { ...KEY, secretAccessKey: 'another-secret' });
    // THEN
    expect(verdict).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  test('fails with SignatureDoesNotMatch if the signature was made with a key for another day', async () => {
    // GIVEN a request whose credential scope names the day before its X-Amz-Date
    const request = await SAMPLES.sqs();
    const authorization = String(request.headers.authorization);
    const date = /\/(\d{8})\//.exec(authorization)?.[1] as string;
    const dayBefore = new Date(Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8) - 1)).toISOString().slice(0, 10).replace(/-/g, '');
    const headers = { ...request.headers, authorization: authorization.replace(`/${date}/`, `/${dayBefore}/`) };
    // WHEN
    const verdict = await verifySignature({ ...request, headers }, KEY);
    // THEN
    expect(verdict).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  test.each(['sqs', 'kinesis'] as const)('fails with SignatureDoesNotMatch if the body of a %s request was changed after signing', async (name) => {
    const request = await SAMPLES[name]();
    const verdict = await verifySignature({ ...request, body: Buffer.from('{"QueueUrl":"x","MessageBody":"changed"}') }, KEY);
    expect(verdict).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  test('fails with SignatureDoesNotMatch if a signed header was changed', async () => {
    const request = await SAMPLES.dynamodb();
    const verdict = await verifySignature({ ...request, headers: { ...request.headers, 'x-amz-target': 'DynamoDB_20120810.DeleteTable' } }, KEY);
    expect(verdict).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  test('fails with InvalidClientTokenId if the access key is not the cloud key', async () => {
    const request = await signRaw('sns', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=ListTopics', { ...KEY, accessKeyId: 'AKIAOTHEROTHEROTHER0' });
    const verdict = await verifySignature(request, KEY);
    expect(verdict).toMatchObject({ ok: false, code: 'InvalidClientTokenId', message: expect.stringMatching(/labs env/) });
  });

  test('fails with MissingAuthenticationToken if the request is not signed', async () => {
    const verdict = await verifySignature({ method: 'POST', url: '/', headers: { host: '127.0.0.1:4566' } }, KEY);
    expect(verdict).toMatchObject({ ok: false, code: 'MissingAuthenticationToken' });
  });

  test('fails if the signature is older than the allowed clock skew', async () => {
    const request = await SAMPLES.kinesis();
    const verdict = await verifySignature(request, KEY, Date.now() + MAX_CLOCK_SKEW_MS + 60_000);
    expect(verdict).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch', message: expect.stringMatching(/expired/) });
  });

  test('accepts a request that carries a session token, signed with it', async () => {
    const request = await signRaw('sqs', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues', 'x-amz-security-token': 'local' }, '{}');
    expect(await verifySignature(request, KEY)).toMatchObject({ ok: true });
  });
});

describe('checkSignature', () => {
  test('answers with no await once the scope\'s key is derived, and with a promise for a scope not seen yet', async () => {
    // GIVEN a secret no request was checked with yet
    const request = await SAMPLES.dynamodb();
    const fresh = { ...KEY, secretAccessKey: `${KEY.secretAccessKey}-fresh` };
    // WHEN the first check derives the key, the second finds it
    const first = checkSignature(request, fresh);
    const second = checkSignature(request, fresh);
    // THEN
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    const third = checkSignature(request, fresh);
    expect(third).not.toBeInstanceOf(Promise);
    expect(third).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    expect(await second).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    // AND the cloud key's own check, synchronous once derived, admits the request
    await verifySignature(request, KEY);
    expect(checkSignature(request, KEY)).toMatchObject({ ok: true });
  });

  test('uses the Authorization header its caller parsed', async () => {
    // GIVEN a request signed with the cloud key, and parts naming another access key
    const request = await SAMPLES.sqs();
    const parts = parseAuthorization(String(request.headers.authorization));
    // WHEN
    const verdict = await checkSignature(request, KEY, Date.now(), { ...parts!, accessKeyId: 'AKIAOTHEROTHEROTHER' });
    // THEN
    expect(verdict).toMatchObject({ ok: false, code: 'InvalidClientTokenId' });
  });
});

describe('parseAuthorization', () => {
  test('reads the credential scope and the signed headers', () => {
    const parts = parseAuthorization(`AWS4-HMAC-SHA256 Credential=AKIAX/20261201/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'a'.repeat(64)}`);
    expect(parts).toEqual({ accessKeyId: 'AKIAX', date: '20261201', region: 'us-east-1', service: 'kinesis', signedHeaders: ['host', 'x-amz-date'], signature: 'a'.repeat(64) });
  });

  test('returns undefined for another scheme', () => {
    expect(parseAuthorization('Basic dXNlcjpwYXNz')).toBeUndefined();
  });
});
