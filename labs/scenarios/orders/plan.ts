import { orderIdFor } from '../../../lambda/orders/intake-core';
import { DECLINE_ABOVE_CENTS } from '../../../lambda/orders/provider';
import type { OrderToPlace } from './api';

/**
 * The orders a run places, known before it starts: which are declined (an amount over the provider's
 * limit), which cannot all get stock (the scarce SKU has fewer units than the orders wanting it), and
 * so how many end CONFIRMED and REJECTED. The SKUs carry the run id, so a run's stock is its own.
 */
export interface OrderPlan {
  readonly runId: string;
  readonly orders: readonly OrderToPlace[];
  /** Initial units per SKU. */
  readonly stock: Readonly<Record<string, number>>;
  /** Keys of the orders the provider declines. */
  readonly declined: readonly string[];
  /** Orders that want the scarce SKU and are not declined, and how many of them stock can serve. */
  readonly contending: number;
  readonly scarceUnits: number;
  readonly expected: { readonly confirmed: number; readonly rejected: number };
}

/** Every 10th order (the 10th, 20th, ...) is over the provider's limit. */
export const DECLINE_EVERY = 10;
/** One order in ten of those wanting the scarce SKU finds none left. */
export const REFUSE_EVERY = 10;

export function orderKey(runId: string, index: number): string {
  return `${runId}-order-${String(index).padStart(4, '0')}`;
}

/**
 * `count` orders of one plentiful SKU each; the orders the provider accepts also want one unit of a
 * scarce SKU, of which there are fewer units than such orders. Declined orders leave the scarce SKU
 * alone, so how many are refused does not depend on which worker runs first.
 */
export function planOrders(runId: string, count: number): OrderPlan {
  const tag = runId.toUpperCase();
  const plentiful = `${tag}-BOOK`;
  const scarce = `${tag}-LAMP`;
  const orders: OrderToPlace[] = [];
  const declined: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const key = orderKey(runId, i);
    const declines = (i + 1) % DECLINE_EVERY === 0;
    if (declines) declined.push(key);
    orders.push({
      key,
      request: {
        customerEmail: `customer${i}@example.com`,
        amountCents: declines ? DECLINE_ABOVE_CENTS + 1 : 1000 + i,
        items: declines ? [{ sku: plentiful, quantity: 1 }] : [{ sku: plentiful, quantity: 1 }, { sku: scarce, quantity: 1 }],
      },
    });
  }
  const contending = count - declined.length;
  const refused = Math.floor(contending / REFUSE_EVERY);
  const scarceUnits = contending - refused;
  return {
    runId,
    orders,
    stock: { [plentiful]: count, [scarce]: scarceUnits },
    declined,
    contending,
    scarceUnits,
    expected: { confirmed: scarceUnits, rejected: count - scarceUnits },
  };
}

/** The order id the API gives each planned order (derived from its Idempotency-Key). */
export function plannedOrderIds(plan: OrderPlan): string[] {
  return plan.orders.map((o) => orderIdFor(o.key));
}

/**
 * The orders whose payment worker crashes after their charge (the fault switch paymentCrashAfterCharge):
 * the first `count` the provider charges (declined orders are answered, not charged). Their ids go on
 * the switch; each crashes once.
 */
export function crashedOrderIds(plan: OrderPlan, count: number): string[] {
  const charged = plan.orders.filter((o) => !plan.declined.includes(o.key));
  if (count > charged.length) {
    throw new Error(`${count} orders cannot crash after their charge: the provider charges only ${charged.length} of the ${plan.orders.length} orders`);
  }
  return charged.slice(0, count).map((o) => orderIdFor(o.key));
}

/** How many orders of a plan of `orders` the provider charges (all but every DECLINE_EVERY-th). */
export function chargedOrderCount(orders: number): number {
  return orders - Math.floor(orders / DECLINE_EVERY);
}
