// Serves fauxqs (SQS + SNS) on a loopback port and prints `{"port":N}` once listening.
//
// A lab run starts it as a child process because fauxqs is an ES module exported for `import` only,
// which the CommonJS test runner cannot load in-process. Like the watchdog, it exits when its starter's
// stdin pipe closes, so it never outlives the command that started it.
import { buildFauxqs } from './fauxqs-app.mjs';

const app = await buildFauxqs({ region: process.env.AWS_REGION, queueUrlHost: process.env.FAUXQS_QUEUE_URL_HOST });
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
