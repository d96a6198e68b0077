import { setTimeout as sleep } from 'node:timers/promises';
import { createDocumentClient } from '../shared/clients';
import { requireEnv } from '../shared/env';
import { cachedFaults } from './faults';
import { settle, type SideResult } from './fan-in';
import { simulatedProvider } from './provider';
import type { Compensation } from './saga';
import type { OrderPlaced } from './schemas';
import { releaseAll } from './stock';
import { controlTable, ordersTable, stockTable } from './store';
import type { Logger } from '@aws-lambda-powertools/logger';
import { logStep } from './steps';

/** How long a worker trusts the fault switches it read. */
const FAULTS_CACHE_MS = 1000;

/**
 * What the two deciding services (payment, inventory) share: the tables, the provider, the fault
 * switches, and the fan-in that ends an order and undoes the other side of a rejected one.
 * `hooks.onProviderCall` hears the outcome of every call that reached the provider.
 */
export function decidingWorker(logger: Logger, hooks: { readonly onProviderCall?: (orderId: string, outcome: string) => void } = {}) {
  const client = createDocumentClient();
  const control = controlTable(client, requireEnv('CONTROL_TABLE_NAME'));
  const stock = stockTable(client, requireEnv('STOCK_TABLE_NAME'));
  const faults = cachedFaults(() => control.readFaults(), FAULTS_CACHE_MS);
  const provider = simulatedProvider({
    client,
    chargesTableName: requireEnv('CHARGES_TABLE_NAME'),
    faults,
    sleep: (ms) => sleep(ms),
    now: () => Date.now(),
    recordCall: async (orderId, call) => {
      logStep(logger, 'provider-call', 'payment provider called', { provider: { orderId, ...call } });
      await control.recordCall(orderId, call);
      hooks.onProviderCall?.(orderId, call.outcome);
    },
  });
  const ordersTableName = requireEnv('ORDERS_TABLE_NAME');

  return {
    client,
    control,
    stock,
    faults,
    provider,
    /** Records `result` for `order` and finishes the saga, undoing what a rejection leaves held. */
    settle: async (order: OrderPlaced, result: SideResult) => {
      const undo = async (orderId: string, compensation: Compensation): Promise<void> => {
        if (compensation === 'REFUND') await provider.refund(orderId);
        else await releaseAll(orderId, order.items, stock);
        logStep(logger, compensation === 'REFUND' ? 'refunded' : 'released', 'compensated', { compensation });
      };
      const settlement = await settle(order.orderId, result, ordersTable(client, ordersTableName, undo).fanIn);
      logStep(logger, 'settled', settlement.finished ? `order ${settlement.finished}` : 'side recorded', {
        side: result.side,
        result: result.result,
        status: settlement.order.status,
        ...(settlement.finished ? { finished: settlement.finished } : {}),
      });
      return settlement;
    },
  };
}
