// Builds the fauxqs app (SQS + SNS) as the local cloud runs it, not yet listening: in its own
// process (fauxqs-server.mjs, for a lab run) or inside the process of `labs up`, behind its endpoint.
import { buildApp } from 'fauxqs';

/**
 * @param {{ region?: string, queueUrlHost?: string }} options
 * @returns {Promise<import('fastify').FastifyInstance>}
 */
export async function buildFauxqs({ region, queueUrlHost } = {}) {
  // fauxqs names queue URLs `sqs.<region>.<host>:<port>`, a host that does not resolve here. Its queue
  // store falls back to the request's Host header when given no host, which makes every queue URL
  // `http://127.0.0.1:<port>/<account>/<name>`: a URL anything can dial. The store class is not exported,
  // so it is loaded from the pinned package's files.
  const { SqsStore } = await import(new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs')).href);
  const sqsStore = new SqsStore();
  sqsStore.host = '';
  // A cloud behind one endpoint (`labs up`) names that endpoint in every queue URL instead, so a client
  // that dials a queue URL goes through it too.
  if (queueUrlHost) {
    const buildQueueUrl = sqsStore.buildQueueUrl.bind(sqsStore);
    sqsStore.buildQueueUrl = (queueName, port, _requestHost, queueRegion) => buildQueueUrl(queueName, port, queueUrlHost, queueRegion);
  }
  return buildApp({ logger: false, defaultRegion: region, stores: { sqsStore } });
}
