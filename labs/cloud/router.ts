import type { ServiceName } from '../targets/local/model';
import { headerValue, signingName, type IncomingRequest } from './signature';

/** Where a request goes: an emulator's service, the cloud's own Lambda invoke, or its control API. */
export type Destination = ServiceName | 'dynamodb-streams' | 'lambda-invoke' | 'control';

/** The wire protocol a request speaks, which decides the shape of an error answer. */
export type Protocol = 'json' | 'query' | 'rest-json' | 'rest-xml';

export type Route =
  | { readonly ok: true; readonly destination: Destination; readonly protocol: Protocol; readonly operation: string }
  | { readonly ok: false; readonly protocol: Protocol; readonly operation: string; readonly message: string };

/** The path prefix of the cloud's control API (`labs up <module>` into a running cloud, `labs logs`). */
export const CONTROL_PREFIX = '/_labs/';
/** The signing name control requests carry. */
export const CONTROL_SERVICE = 'labs';

const LAMBDA_INVOKE_PATH = /^\/2015-03-31\/functions\/([^/?]+)\/invocations(?:\?|$)/;
const TARGET_PREFIXES: readonly (readonly [string, Destination])[] = [
  ['DynamoDBStreams_20120810.', 'dynamodb-streams'],
  ['DynamoDB_20120810.', 'dynamodb'],
  ['Kinesis_20131202.', 'kinesis'],
  ['AmazonSQS.', 'sqs'],
];

/**
 * Routes a request the way LocalStack's edge port does: by the SigV4 signing name in the credential
 * scope, then X-Amz-Target (DynamoDB Streams signs as `dynamodb`), then Content-Type (SQS speaks JSON,
 * SNS the query protocol, on one emulator), then the path.
 */
export function route(
  request: Pick<IncomingRequest, 'method' | 'url' | 'headers' | 'body'>,
  /** The signing name, when the caller parsed the Authorization header already. */
  service: string | undefined = signingName(request.headers),
): Route {
  const target = headerValue(request.headers, 'x-amz-target') ?? '';
  const contentType = (headerValue(request.headers, 'content-type') ?? '').toLowerCase();
  const isQuery = contentType.startsWith('application/x-www-form-urlencoded');
  // S3 is served by no emulator here; its clients read errors only in its own XML shape.
  const protocol: Protocol = isQuery ? 'query' : target !== '' ? 'json' : service === 's3' ? 'rest-xml' : 'rest-json';
  const operation = operationOf(request, target, isQuery);
  const ok = (destination: Destination, as: Protocol = protocol): Route => ({ ok: true, destination, protocol: as, operation });
  const unserved = (message: string): Route => ({ ok: false, protocol, operation, message });

  if (request.url.startsWith(CONTROL_PREFIX)) {
    return service === CONTROL_SERVICE ? ok('control', 'rest-json') : unserved(`${request.url.split('?')[0]} is the local cloud's control API`);
  }
  const byTarget = TARGET_PREFIXES.find(([prefix]) => target.startsWith(prefix))?.[1];
  switch (service) {
    case 'sqs':
      if (isQuery) {
        return unserved(
          `SQS ${operation} in the query protocol: the local cloud serves SQS in the JSON protocol only; use boto3 >= 1.28, AWS CLI >= 1.29 / 2.13 or SDK v3`,
        );
      }
      return ok('sqs');
    case 'sns':
      return ok('sns');
    case 'kinesis':
      return ok('kinesis');
    case 'dynamodb':
      return ok(byTarget === 'dynamodb-streams' ? 'dynamodb-streams' : 'dynamodb');
    case 'lambda':
      return LAMBDA_INVOKE_PATH.test(request.url) && request.method === 'POST'
        ? ok('lambda-invoke', 'rest-json')
        : unserved(`Lambda ${operation}: the local cloud serves Lambda Invoke only (list the functions with \`labs outputs <module>\`)`);
    case undefined:
      // Unsigned (the signature check refuses it): the target still tells the protocol of the answer.
      if (byTarget !== undefined) return ok(byTarget);
      break;
    default:
      break;
  }
  return unserved(`${service ?? 'an unsigned request'} ${operation}: no emulator of the local cloud serves it (SQS, SNS, Kinesis, DynamoDB, DynamoDB Streams and Lambda Invoke are served)`);
}

/** The function name of a Lambda Invoke request path. */
export function invokedFunction(url: string): string | undefined {
  const name = LAMBDA_INVOKE_PATH.exec(url)?.[1];
  return name === undefined ? undefined : decodeURIComponent(name);
}

/** The operation a request names: X-Amz-Target's suffix, the query protocol's Action, or method and path. */
function operationOf(request: Pick<IncomingRequest, 'method' | 'url' | 'body'>, target: string, isQuery: boolean): string {
  if (target !== '') return target.slice(target.lastIndexOf('.') + 1);
  if (isQuery) {
    const action = new URLSearchParams(Buffer.from(request.body ?? []).toString('utf8')).get('Action');
    if (action) return action;
  }
  if (LAMBDA_INVOKE_PATH.test(request.url)) return 'Invoke';
  return `${request.method} ${request.url.split('?')[0]}`;
}

/** An error answer in the request's protocol, as AWS shapes it (the SDKs read the code from it). */
export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function awsError(protocol: Protocol, status: number, code: string, message: string, requestId: string): ErrorAnswer {
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (protocol === 'rest-xml') {
    return {
      status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escape(code)}</Code><Message>${escape(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
    };
  }
  if (protocol === 'query') {
    return {
      status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status,
    headers: {
      'content-type': protocol === 'json' ? 'application/x-amz-json-1.0' : 'application/json',
      'x-amzn-errortype': code,
      // SQS's JSON protocol reports the query-compatible code here.
      'x-amzn-query-error': `${code};Sender`,
      'x-amzn-requestid': requestId,
    },
    body: JSON.stringify({ __type: code, message }),
  };
}
