import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../shared/logger';
import { decidingWorker } from './deciding-worker';
import { orderWorker } from './sqs-worker';
import { reserveAll } from './stock';
import { logStep } from './steps';

const logger = createLogger();
const worker = decidingWorker(logger);

/** Thrown while the inventory store is down: the order returns after the visibility timeout. */
export class InventoryUnavailableError extends Error {
  override readonly name = 'InventoryUnavailableError';
}

/**
 * Reserves each order's stock once, or refuses the order (terminal: settled as REFUSED, not retried),
 * then settles it. While the store is down the message fails and the queue holds the backlog.
 */
export const handler = orderWorker(logger, 'inventory', async (order, _record, _context, notes) => {
  const faults = await worker.faults();
  if (faults.addedLatencyMs > 0) await sleep(faults.addedLatencyMs);
  if (Date.now() < faults.inventoryOutageUntil) {
    throw new InventoryUnavailableError(
      `the inventory store is down until ${new Date(faults.inventoryOutageUntil).toISOString()} (fault switch inventoryOutageUntil)`,
    );
  }
  const outcome = await reserveAll(order.orderId, order.items, worker.stock);
  if (outcome.kind === 'RESERVED') logStep(logger, 'reserved', 'stock reserved', { items: order.items });
  else logStep(logger, 'refused', 'stock refused', { sku: outcome.sku });
  const settlement = await worker.settle(order, { side: 'inventory', result: outcome.kind === 'RESERVED' ? 'RESERVED' : 'REFUSED' });
  notes.effect(outcome.kind);
  return { inventory: outcome, status: settlement.order.status, finished: settlement.finished, compensated: settlement.compensated };
});
