import type { FanoutOutput } from '../../lib/stacks/fanout-stack';
import { BATCH_API_ENTRIES, invocationItems, item, MILLION, NEAR_FREE_IDLE_TARGET_PER_HOUR, snsPublishItems, sqsPollerItems, type PathModel } from '../cost/path';
import { renderFanout } from '../report/fanout';
import { fanoutVerdict, runFanout } from '../scenarios/fanout';
import { numberOption, type ModuleLab, type Scenario } from '../scenarios/scenario';

const main: Scenario<FanoutOutput> = {
  summary: 'publish order events to SNS; every queue gets its copy, filtered by its subscription (Module 8, fan-out)',
  // Every order reaches up to three queues and is received, counted and deleted within the lab's 30 s
  // delivery wait: 1,000 orders (up to 3,000 deliveries) pass well within it on the local cloud.
  options: [{ flags: '--orders <n>', description: 'order events to publish', kind: 'count', min: 1, max: 1000, defaultValue: 5 }],
  prepare: (o) => ({
    run: async (session, ui) => {
      const observations = await runFanout(session, { orders: numberOption(o, 'orders') }, ui);
      return { verdict: fanoutVerdict(observations), observations: { ...observations }, render: (c) => renderFanout(observations, c) };
    },
  }),
};

/**
 * fanout: a producer publishes in batches of 10; SNS delivers a copy to every subscribed queue for
 * free; each queue is drained by its event-source mapping if it has one, else by the lab
 * (ReceiveMessage of 10, DeleteMessageBatch of 10). Every filter policy is assumed to match (upper bound).
 */
const path: PathModel = {
  message: 'order event published to the topic',
  description: 'PublishBatch of 10; free SNS->SQS delivery per subscribed queue; each queue drained 10 at a time',
  estimate: (view, a) => {
    const topic = view.single('AWS::SNS::Topic', 'the fanout model');
    const items = snsPublishItems(topic.logicalId, MILLION, a);
    const mappings = view.eventSourceMappings();
    const subscriptions = view.subscriptions().filter((s) => s.topicId === topic.logicalId);
    for (const sub of subscriptions) {
      const endpoint = sub.endpointId ?? sub.logicalId;
      if (sub.protocol === 'sqs') {
        items.push(item(`${endpoint}: SNS delivery`, MILLION, 'sns.deliveryToSqs'));
        const mapping = mappings.find((m) => m.sourceId === endpoint);
        if (mapping) {
          items.push(...sqsPollerItems(endpoint, MILLION, mapping.batchSize, a));
          items.push(...invocationItems(view.function(mapping.functionId), MILLION / mapping.batchSize, a.workerPoolTaskMs, a));
        } else {
          items.push(...sqsPollerItems(endpoint, MILLION, BATCH_API_ENTRIES, a));
        }
      } else if (sub.protocol === 'lambda' && sub.endpointId !== undefined) {
        items.push(item(`${endpoint}: SNS delivery`, MILLION, 'sns.deliveryToLambda'));
        items.push(...invocationItems(view.function(sub.endpointId), MILLION, a.workerPoolTaskMs, a));
      } else {
        throw new Error(`${sub.logicalId} subscribes with protocol ${sub.protocol}, which the fanout cost model does not price`);
      }
    }
    return {
      items,
      assumptions: [
        `${a.messageBytes} B per message`,
        `every filter policy matches (${subscriptions.filter((s) => s.hasFilterPolicy).length} subscription(s) filter; upper bound)`,
        'queues without a consumer function are drained by the lab with ReceiveMessage of 10 and DeleteMessageBatch of 10',
      ],
    };
  },
};

/** The fanout module's lab (registered in lib/modules.ts). */
export const fanoutLab: ModuleLab<FanoutOutput> = { main, cost: { path, idleTargetPerHour: NEAR_FREE_IDLE_TARGET_PER_HOUR } };
