/**
 * Fan-in of an order's two deciding sides. Each side records its result once (a conditional write of
 * its own attribute); then whichever worker sees the order decided moves it to its one terminal state
 * (a write conditioned on status PLACED), and a rejected order gets the side that succeeded undone.
 */
export type PaymentResult = 'CHARGED' | 'DECLINED';
export type InventoryResult = 'RESERVED' | 'REFUSED';
export type OrderStatus = 'PLACED' | 'CONFIRMED' | 'REJECTED';
export type Compensation = 'REFUND' | 'RELEASE_STOCK';

export interface OrderProgress {
  readonly status: OrderStatus;
  readonly payment?: PaymentResult;
  readonly inventory?: InventoryResult;
  /** Compensations already done (each is recorded once). */
  readonly compensated?: readonly Compensation[];
}

export interface SagaDecision {
  /** The terminal state to move a PLACED order to; absent when the order is undecided or already terminal. */
  readonly transition?: { readonly to: 'CONFIRMED' } | { readonly to: 'REJECTED'; readonly reason: string };
  /** What must be undone for the order to hold neither stock nor a charge. */
  readonly compensations: readonly Compensation[];
}

export function decide(order: OrderProgress): SagaDecision {
  const rejectedBy =
    order.inventory === 'REFUSED' ? 'inventory refused: not enough stock' : order.payment === 'DECLINED' ? 'payment declined' : undefined;
  if (order.status === 'PLACED') {
    if (rejectedBy !== undefined) {
      return { transition: { to: 'REJECTED', reason: rejectedBy }, compensations: pending(order) };
    }
    if (order.payment === 'CHARGED' && order.inventory === 'RESERVED') return { transition: { to: 'CONFIRMED' }, compensations: [] };
    return { compensations: [] };
  }
  return { compensations: order.status === 'REJECTED' ? pending(order) : [] };
}

/** The successful sides of a rejected order not yet undone. */
function pending(order: OrderProgress): Compensation[] {
  const done = new Set(order.compensated ?? []);
  const needed: Compensation[] = [];
  if (order.payment === 'CHARGED' && !done.has('REFUND')) needed.push('REFUND');
  if (order.inventory === 'RESERVED' && !done.has('RELEASE_STOCK')) needed.push('RELEASE_STOCK');
  return needed;
}
