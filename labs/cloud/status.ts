import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { localClientConfig } from '../targets/local/emulators';
import type { ShardProgress } from '../targets/local/runtime';
import type { LocalCloud } from './cloud';

/** How often the status is redrawn on a terminal, and printed as plain lines otherwise. */
export const TTY_INTERVAL_MS = 1_000;
export const PLAIN_INTERVAL_MS = 10_000;

export interface StatusIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
}

/** One module's live figures. */
export interface ModuleStatus {
  readonly module: string;
  readonly functions: readonly { readonly name: string; readonly invocations: number; readonly errors: number }[];
  readonly queues: readonly { readonly name: string; readonly visible: number; readonly inFlight: number }[];
  /** Each stream mapping (polling, or an enhanced fan-out consumer) and its position on every shard. */
  readonly consumers: readonly { readonly mapping: string; readonly consumer: string; readonly shards: readonly ShardProgress[] }[];
}

/** Reads every module's figures: invocations and errors per function, queue depths, stream consumer positions. */
export async function collectStatus(cloud: LocalCloud, sqs: SQSClient | undefined): Promise<ModuleStatus[]> {
  return Promise.all(
    cloud.running().map(async (entry) => {
      const functions = entry.deployment.functions.map((spec) => {
        const stats = entry.runtime.stats(spec.functionName);
        return { name: shortName(spec.logicalId), invocations: stats.invocations, errors: stats.errors };
      });
      const queueIds = Object.entries(entry.deployment.resources ?? {}).filter(([, r]) => r.type === 'AWS::SQS::Queue');
      const queues = sqs === undefined ? [] : await Promise.all(
        queueIds.map(async ([logicalId, resource]) => {
          const answer = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: resource.physicalId, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
          );
          return {
            name: shortName(logicalId),
            visible: Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0),
            inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
          };
        }),
      );
      const consumers = entry.runtime.consumers().map((c) => ({ mapping: shortName(c.mapping), consumer: c.consumer, shards: c.shards }));
      return { module: entry.module.name, functions, queues, consumers };
    }),
  );
}

/** A logical id without the hash CDK appends. */
function shortName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

/**
 * One line per module: `fanout: functions A 3 inv; queues Analytics 0; streams Processor (polling)
 * shardId-000000000000 at ...0042, 2 behind, age 0.3 s`.
 */
export function renderStatus(status: readonly ModuleStatus[], at: Date): string[] {
  return status.map((m) => {
    const functions = m.functions.map((f) => `${f.name} ${f.invocations} inv${f.errors > 0 ? ` ${f.errors} err` : ''}`).join(', ');
    const queues = m.queues.map((q) => `${q.name} ${q.visible}${q.inFlight > 0 ? `+${q.inFlight} in flight` : ''}`).join(', ');
    const streams = m.consumers.map((c) => `${c.mapping} (${c.consumer}) ${c.shards.length === 0 ? 'no shard read yet' : c.shards.map(renderShard).join(', ')}`).join('; ');
    return `${at.toISOString().slice(11, 19)} ${m.module}: ${functions ? `functions ${functions}` : 'no functions'}${queues ? `; queues ${queues}` : ''}${streams ? `; streams ${streams}` : ''}`;
  });
}

/** `shardId-000000000000 at ...00042, 2 behind, age 0.3 s`: the checkpoint's last digits, the backlog, the iterator age. */
export function renderShard(shard: ShardProgress): string {
  const at = shard.processedSequenceNumber === undefined ? 'nothing processed' : `at ...${shard.processedSequenceNumber.slice(-SEQUENCE_DIGITS_SHOWN)}`;
  return `${shard.shardId} ${at}${shard.backlog > 0 ? `, ${shard.backlog} behind` : ''}, age ${(shard.iteratorAgeMs / 1000).toFixed(1)} s`;
}

/** Sequence numbers run to 56 digits; the last ones tell two positions apart. */
const SEQUENCE_DIGITS_SHOWN = 6;

/**
 * Shows the cloud's live status until `until` settles (an emulator died): redrawn in place on a
 * terminal, plain periodic lines otherwise. Resolves with what ended it.
 */
export async function runStatus(cloud: LocalCloud, io: StatusIo, until: Promise<Error>): Promise<Error> {
  let ended: Error | undefined;
  void until.then((error) => (ended = error));
  const tty = io.stdout.isTTY === true;
  let drawn = 0;
  let sqs: SQSClient | undefined;
  let last = '';
  try {
    while (ended === undefined) {
      const endpoint = cloud.endpoints().sqs;
      sqs ??= endpoint === undefined ? undefined : new SQSClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
      const lines = renderStatus(await collectStatus(cloud, sqs).catch(() => []), new Date());
      if (tty) {
        io.stdout.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
        drawn = lines.length;
      } else if (lines.map((l) => l.slice(9)).join('\n') !== last) {
        // A quiet cloud prints nothing new: a log file grows only when something happened.
        io.stdout.write(`${lines.join('\n')}\n`);
        last = lines.map((l) => l.slice(9)).join('\n');
      }
      await Promise.race([sleep(tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS), until]);
    }
  } finally {
    sqs?.destroy();
  }
  return ended;
}
