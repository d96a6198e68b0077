// Serves fauxqs (SQS + SNS) on a loopback port and prints `{"port":N}` once listening.
//
// It runs as a child process because fauxqs is an ES module exported for `import` only, which the
// CommonJS test runner cannot load in-process. Like the watchdog, it exits when its starter's stdin
// pipe closes, so it never outlives the command that started it.
import { buildApp } from 'fauxqs';

// fauxqs names queue URLs `sqs.<region>.<host>:<port>`, a host that does not resolve here. Its queue
// store falls back to the request's Host header when given no host, which makes every queue URL
// `http://127.0.0.1:<port>/<account>/<name>`: a URL anything can dial. The store class is not exported,
// so it is loaded from the pinned package's files.
const { SqsStore } = await import(new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs')).href);
const sqsStore = new SqsStore();
sqsStore.host = '';
// A cloud behind one endpoint (`labs up`) names that endpoint in every queue URL instead, so a client
// that dials a queue URL goes through it too.
const queueUrlHost = process.env.FAUXQS_QUEUE_URL_HOST;
if (queueUrlHost) {
  const buildQueueUrl = sqsStore.buildQueueUrl.bind(sqsStore);
  sqsStore.buildQueueUrl = (queueName, port, _requestHost, region) => buildQueueUrl(queueName, port, queueUrlHost, region);
}

const app = buildApp({ logger: false, defaultRegion: process.env.AWS_REGION, stores: { sqsStore } });
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address();
process.stdout.write(`${JSON.stringify({ port })}\n`);

let closing = false;
async function close(code) {
  if (closing) return;
  closing = true;
  await app.close().catch(() => undefined);
  process.exit(code);
}
process.stdin.on('data', () => undefined);
process.stdin.on('end', () => void close(0));
process.on('SIGTERM', () => void close(0));
process.on('SIGINT', () => void close(0));
