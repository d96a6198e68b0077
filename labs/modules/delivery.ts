import type { DeliveryOutput } from '../../lib/stacks/delivery-stack';
import { invocationItems, MILLION, NEAR_FREE_IDLE_TARGET_PER_HOUR, snsPublishItems, sqsPollerItems, tableWriteItems, type PathModel } from '../cost/path';
import { renderBackpressure, renderDedup, renderGuarantees, renderOrdering } from '../report/delivery';
import { backpressureVerdict, runBackpressure } from '../scenarios/delivery-backpressure';
import { dedupVerdict, runDedup } from '../scenarios/delivery-dedup';
import { guaranteesVerdict, runGuarantees, type GuaranteesOptions } from '../scenarios/delivery-guarantees';
import { ORDERING_POOL_CONCURRENCY, orderingVerdict, runOrdering } from '../scenarios/delivery-ordering';
import { numberOption, optionalNumber, UsageError, verdictOf, type ModuleLab, type Scenario } from '../scenarios/scenario';

/**
 * The lab sends each message once per mode (3 x N) and reads their counters back; a crash costs one
 * visibility timeout of waiting, whatever the number of crashes.
 */
const GUARANTEES_DEFAULTS = { messages: 10, crashes: 2 };
const DEDUP_DEFAULTS = { messages: 5 };
/** The poison's two receives, a visibility timeout apart, set the ordering lab's length (about 25 s), not the counts. */
const ORDERING_DEFAULTS = { groups: 4, perGroup: 5 };
/**
 * 60 messages over K = 3 permits of 200 ms: 4 s of work for the buffer; push's retries (1 s and 2 s
 * locally) leave it far more than it can take, so its dead letters are certain.
 */
const BACKPRESSURE_DEFAULTS = { burst: 60 };

const guaranteesOptions = (o: Readonly<Record<string, unknown>>): GuaranteesOptions => {
  const options = { messages: numberOption(o, 'messages'), crashes: numberOption(o, 'crashes') };
  if (options.crashes > options.messages) {
    throw new UsageError(`--crashes (${options.crashes}) cannot exceed --messages (${options.messages})`);
  }
  return options;
};

const guarantees: Scenario<DeliveryOutput> = {
  command: 'guarantees',
  summary: 'the same messages and injected crashes through at-most-once, at-least-once and effectively-once consumers',
  options: [
    { flags: '--messages <n>', description: 'messages sent through each mode', kind: 'count', min: 1, max: 300, defaultValue: GUARANTEES_DEFAULTS.messages },
    // At most --messages, checked below.
    {
      flags: '--crashes <n>',
      description: 'messages whose first delivery crashes the consumer, in each mode',
      kind: 'count',
      min: 0,
      max: 300,
      defaultValue: GUARANTEES_DEFAULTS.crashes,
    },
  ],
  prepare: (o) => {
    const options = guaranteesOptions(o);
    return {
      // The ack-mode consumer's mapping runs 2 environments at most.
      requiredConcurrency: () => ({ executions: 2, reason: 'the ack-mode consumer mapping (maximum concurrency 2)' }),
      run: async (session, ui) => {
        const observations = await runGuarantees(session, options, ui);
        return { verdict: guaranteesVerdict(observations), observations: { ...observations }, render: (c) => renderGuarantees(observations, c) };
      },
    };
  },
};

const dedup: Scenario<DeliveryOutput> = {
  command: 'dedup',
  summary: 'a producer retries a send whose answer was lost: the standard queue delivers twice, the FIFO queue once',
  // Each message is its own FIFO group, and each is read back from the arrivals table.
  options: [{ flags: '--messages <n>', description: 'messages sent (each sent twice) to each queue', kind: 'count', min: 1, max: 100, defaultValue: DEDUP_DEFAULTS.messages }],
  prepare: (o) => {
    const options = { messages: numberOption(o, 'messages') };
    return {
      requiredConcurrency: () => ({ executions: 10, reason: 'the standard and FIFO consumer pools (maximum concurrency 5 each)' }),
      run: async (session, ui) => {
        const observations = await runDedup(session, options, ui);
        return { verdict: dedupVerdict(observations), observations: { ...observations }, render: (c) => renderDedup(observations, c) };
      },
    };
  },
};

const ordering: Scenario<DeliveryOutput> = {
  command: 'ordering',
  summary: 'the same sequences into the standard and the FIFO queue: order per group, groups in flight, a poison that blocks only its group',
  options: [
    { flags: '--groups <n>', description: 'message groups (the first holds the poisoned message)', kind: 'count', min: 2, max: 20, defaultValue: ORDERING_DEFAULTS.groups },
    // At least 3: a message before the poison, the poison, and one after it that must wait for it.
    { flags: '--per-group <n>', description: 'messages per group, sequence numbers 0 to n-1', kind: 'count', min: 3, max: 50, defaultValue: ORDERING_DEFAULTS.perGroup },
  ],
  prepare: (o) => {
    const options = { groups: numberOption(o, 'groups'), perGroup: numberOption(o, 'perGroup') };
    return {
      requiredConcurrency: () => ({ executions: 2 * ORDERING_POOL_CONCURRENCY, reason: `the standard and FIFO consumer pools (maximum concurrency ${ORDERING_POOL_CONCURRENCY} each)` }),
      run: async (session, ui) => {
        const observations = await runOrdering(session, options, ui);
        return { verdict: orderingVerdict(observations), observations: { ...observations }, render: (c) => renderOrdering(observations, c) };
      },
    };
  },
};

const backpressure: Scenario<DeliveryOutput> = {
  command: 'backpressure',
  summary: 'the same burst through push, buffer, back-pressure and drop into a downstream of K permits, plotted over time',
  options: [
    // 300 over the default K = 3 of 200 ms is 20 s of buffered work, and as many asynchronous events held at once by push.
    { flags: '--burst <n>', description: 'messages in the burst, sent by each strategy', kind: 'count', min: 1, max: 300, defaultValue: BACKPRESSURE_DEFAULTS.burst },
    {
      flags: '--capacity <k>',
      description: "K, the downstream's permits (local: synthesized with it; AWS: must match the deployed stack) (default: the stack's, 3)",
      kind: 'count',
      // SQS -> Lambda maximum concurrency starts at 2; the stack allows up to 10.
      min: 2,
      max: 10,
    },
  ],
  prepare: (o) => {
    const options = { burst: numberOption(o, 'burst'), capacity: optionalNumber(o, 'capacity') };
    return {
      ...(options.capacity !== undefined ? { context: { downstreamCapacity: options.capacity } } : {}),
      requiredConcurrency: (outputs) => {
        const capacity = Number(outputs['DownstreamCapacity'] ?? 3);
        return { executions: capacity + 1, reason: `the buffer pool (K = ${capacity}) and the push function (throttled events are retried by Lambda)` };
      },
      run: async (session, ui) => {
        const observations = await runBackpressure(session, options, ui);
        return { verdict: backpressureVerdict(observations), observations: { ...observations }, render: (c) => renderBackpressure(observations, c) };
      },
    };
  },
};

/**
 * `labs delivery` (and `labs all`): the guarantees lesson with its options, then the deduplication
 * lesson with its defaults, in one local cloud; each one's observations under its own name.
 */
const main: Scenario<DeliveryOutput> = {
  summary: 'the guarantees lab, then the dedup lab with its defaults, in one local cloud (each also runs alone; ordering and backpressure run only on their own)',
  options: guarantees.options,
  prepare: (o) => ({
    requiredConcurrency: () => ({ executions: 10, reason: 'the standard and FIFO consumer pools (maximum concurrency 5 each)' }),
    run: async (session, ui) => {
      const guaranteed = await runGuarantees(session, guaranteesOptions(o), ui);
      const deduplicated = await runDedup(session, DEDUP_DEFAULTS, ui);
      const failures = [...guaranteesVerdict(guaranteed).failures, ...dedupVerdict(deduplicated).failures];
      return {
        verdict: verdictOf(failures),
        observations: { guarantees: guaranteed, dedup: deduplicated },
        render: (c) => [renderGuarantees(guaranteed, c), renderDedup(deduplicated, c)].join('\n\n'),
      };
    },
  }),
};

/**
 * delivery, per message through the buffer path (the one a production system would keep): one SNS
 * publish (in batches of 10; delivery to SQS free), one receive and delete per message (batch size 1),
 * one invocation of the work's length, and three writes to the downstream table (take the permit,
 * record the completion, give the permit back).
 */
const BUFFER_WRITES_PER_MESSAGE: Readonly<Record<string, number>> = { DOWNSTREAM_TABLE_NAME: 3 };

const path: PathModel = {
  message: 'message through the buffer path',
  description: 'PublishBatch of 10; SNS -> SQS free; ESM receive + delete per message; one invocation per message; 3 semaphore/completion writes',
  estimate: (view, a) => {
    const mappings = view.eventSourceMappings().filter((m) => view.function(m.functionId).environmentRefs.has('DOWNSTREAM_TABLE_NAME'));
    if (mappings.length !== 1) throw new Error(`the delivery model needs one SQS mapping into the downstream, but ${mappings.length} were found`);
    const mapping = mappings[0]!;
    const consumer = view.function(mapping.functionId);
    const subscriptions = view.subscriptions().filter((s) => s.protocol === 'sqs' && s.endpointId === mapping.sourceId);
    if (subscriptions.length !== 1) throw new Error(`the delivery model needs one topic feeding ${mapping.sourceId}, but ${subscriptions.length} were found`);
    return {
      items: [
        ...snsPublishItems(subscriptions[0]!.topicId, MILLION, a),
        ...sqsPollerItems(mapping.sourceId, MILLION, mapping.batchSize, a),
        ...invocationItems(consumer, MILLION / mapping.batchSize, mapping.batchSize * a.workerPoolTaskMs, a),
        ...tableWriteItems(consumer, view, MILLION, BUFFER_WRITES_PER_MESSAGE, 'message'),
      ],
      assumptions: [
        `${a.messageBytes} B per message`,
        `${a.workerPoolTaskMs} ms of downstream work per message`,
        'no refusals: the buffer path keeps the downstream within its K permits',
        `${a.logBytesPerInvocation} B of logs per invocation`,
      ],
    };
  },
};

/** The delivery module's lab (registered in lib/modules.ts). */
export const deliveryLab: ModuleLab<DeliveryOutput> = {
  main,
  subcommands: [guarantees, ordering, dedup, backpressure],
  cost: { path, idleTargetPerHour: NEAR_FREE_IDLE_TARGET_PER_HOUR },
};
