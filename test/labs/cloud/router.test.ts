import { awsError, invokedFunction, route } from '../../../labs/cloud/router';
import { SAMPLES, signRaw } from './signed-requests';

describe('route', () => {
  test.each([
    ['sqs', 'sqs', 'json', 'SendMessage'],
    ['sns', 'sns', 'query', 'ListTopics'],
    ['kinesis', 'kinesis', 'json', 'ListStreams'],
    ['dynamodb', 'dynamodb', 'json', 'ListTables'],
    ['dynamodb-streams', 'dynamodb-streams', 'json', 'GetRecords'],
    ['lambda-invoke', 'lambda-invoke', 'rest-json', 'Invoke'],
  ] as const)('routes an SDK v3 %s request to %s (%s protocol, operation %s)', async (sample, destination, protocol, operation) => {
    // GIVEN
    const request = await SAMPLES[sample]();
    // WHEN
    const routed = route(request);
    // THEN
    expect(routed).toEqual({ ok: true, destination, protocol, operation });
  });

  test('tells DynamoDB Streams from DynamoDB by X-Amz-Target, both signed as dynamodb', async () => {
    const streams = await signRaw('dynamodb', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDBStreams_20120810.DescribeStream' }, '{}');
    const tables = await signRaw('dynamodb', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan' }, '{}');
    expect([route(streams), route(tables)]).toMatchObject([{ destination: 'dynamodb-streams' }, { destination: 'dynamodb' }]);
  });

  test('refuses SQS in the query protocol, naming the client versions that speak JSON', async () => {
    const request = await signRaw('sqs', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 'Action=ListQueues&Version=2012-11-05');
    expect(route(request)).toMatchObject({ ok: false, protocol: 'query', operation: 'ListQueues', message: expect.stringMatching(/JSON protocol only.*boto3 >= 1\.28/) });
  });

  test.each([
    ['s3', {}, '', /s3 POST \/: no emulator/],
    ['lambda', { 'content-type': 'application/json' }, '{}', /Lambda POST \/: the local cloud serves Lambda Invoke only/],
    ['cloudformation', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=DescribeStacks', /^cloudformation DescribeStacks: no emulator/],
  ])('answers a %s request no emulator serves with an error naming it', async (service, headers, body, message) => {
    const routed = route(await signRaw(service, headers as Record<string, string>, body));
    expect(routed).toMatchObject({ ok: false, message: expect.stringMatching(message) });
  });

  test('answers S3, which no emulator serves, in the XML error shape its clients read', async () => {
    expect(route(await signRaw('s3', {}, ''))).toMatchObject({ ok: false, protocol: 'rest-xml' });
  });

  test('routes the control API only when signed for it', async () => {
    const request = { ...(await signRaw('labs', {}, '')), url: '/_labs/logs?since=0' };
    const forged = { ...(await signRaw('sqs', {}, '')), url: '/_labs/deploy' };
    expect([route(request), route(forged)]).toMatchObject([{ ok: true, destination: 'control' }, { ok: false }]);
  });
});

describe('invokedFunction', () => {
  test('decodes the function name of an Invoke path', () => {
    expect(invokedFunction('/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/invocations')).toBe('arn:aws:lambda:us-east-1:000000000000:function:f');
  });
});

describe('awsError', () => {
  test('shapes a query-protocol error as the XML ErrorResponse', () => {
    const answer = awsError('query', 403, 'InvalidClientTokenId', 'bad <key>', 'req-1');
    expect(answer.body).toBe(
      '<ErrorResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad &lt;key&gt;</Message></Error><RequestId>req-1</RequestId></ErrorResponse>',
    );
  });

  test("shapes a REST-XML (S3) error as S3's Error document", () => {
    const answer = awsError('rest-xml', 501, 'NotImplemented', 's3 GET /: no <emulator>', 'req-3');
    expect([answer.status, answer.headers['content-type'], answer.body]).toEqual([
      501,
      'application/xml',
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NotImplemented</Code><Message>s3 GET /: no &lt;emulator&gt;</Message><RequestId>req-3</RequestId></Error>',
    ]);
  });

  test('shapes a JSON-protocol error with __type and the error-type headers', () => {
    const answer = awsError('json', 403, 'SignatureDoesNotMatch', 'no', 'req-2');
    expect([JSON.parse(answer.body), answer.headers['x-amzn-errortype'], answer.headers['x-amzn-query-error']]).toEqual([
      { __type: 'SignatureDoesNotMatch', message: 'no' },
      'SignatureDoesNotMatch',
      'SignatureDoesNotMatch;Sender',
    ]);
  });
});
