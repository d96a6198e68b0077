import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { completionKey, leaseHeld, permitKey, REFUSALS_KEY } from '../../lambda/delivery/stores';
import { getItems } from './delivery-reads';
import { pollUntil } from './polling';

/** What `labs delivery backpressure` reads of the downstream: its leased permits, its refusals, its completed calls. */

export interface DownstreamState {
  /** Permits leased at the instant of the read (at most K). */
  readonly taken: number;
  /** When the last of those leases runs out (epoch ms; 0 when none is held). */
  readonly heldUntil: number;
  readonly refused: number;
}

/** The downstream's permits and refusals, in one read of K + 1 items (BatchGetItem). */
export async function readDownstream(dynamodb: DynamoDBDocumentClient, tableName: string, capacity: number): Promise<DownstreamState> {
  const slots = Array.from({ length: capacity }, (_, slot) => permitKey(slot));
  const items = await getItems(dynamodb, tableName, [REFUSALS_KEY, ...slots]);
  const byName = new Map(items.map((item) => [String(item['name']), item]));
  const now = Date.now();
  const held = slots.map((key) => byName.get(key.name)).filter((item) => leaseHeld(item, now));
  return {
    taken: held.length,
    heldUntil: Math.max(0, ...held.map((item) => Number(item!['leaseUntil']))),
    refused: Number(byName.get(REFUSALS_KEY.name)?.['refused'] ?? 0),
  };
}

/**
 * The given messages the downstream completed so far, each once however often it was called: a
 * completion item never goes away, so each read asks only for the ids not seen completed yet.
 */
export function completionReader(dynamodb: DynamoDBDocumentClient, tableName: string, runId: string, messageIds: readonly string[]): () => Promise<ReadonlySet<string>> {
  const pending = new Map(messageIds.map((id) => [completionKey(runId, id).name, id]));
  const completed = new Set<string>();
  return async () => {
    const items = await getItems(dynamodb, tableName, [...pending.keys()].map((name) => ({ name })));
    for (const item of items) {
      const name = String(item['name']);
      const id = pending.get(name);
      if (id !== undefined) completed.add(id);
      pending.delete(name);
    }
    return completed;
  };
}

/**
 * Waits until no permit of the downstream is leased, so a strategy starts from an idle downstream: a
 * lease left by a call that was cut short (its invocation killed at its timeout) runs out at that
 * invocation's deadline. Nothing else of this module runs meanwhile: labs of one module take turns.
 */
export async function waitForIdleDownstream(read: () => Promise<DownstreamState>, log: (line: string) => void): Promise<DownstreamState> {
  const state = await read();
  if (state.taken === 0) return state;
  const waitMs = Math.max(0, state.heldUntil - Date.now());
  log(`the downstream has ${state.taken} permit(s) leased with nothing of this run calling it (a call cut short): waiting ${(waitMs / 1000).toFixed(1)} s for the lease(s) to run out`);
  const result = await pollUntil({ timeoutMs: waitMs + 10_000, intervalMs: 250, poll: read, done: (s) => s.taken === 0 });
  if (result.timedOut) throw new Error(`the downstream's permits are still leased after their leases ran out: another run of \`labs delivery backpressure\` is calling it; wait for it to end, then run again`);
  return result.state;
}
