import { decide, type Compensation, type InventoryResult, type OrderProgress, type PaymentResult } from './saga';

export type SideResult = { readonly side: 'payment'; readonly result: PaymentResult } | { readonly side: 'inventory'; readonly result: InventoryResult };

export interface FanInPorts {
  /** Records the side's result once (a redelivery keeps the first) and returns the order as it stands. */
  recordSide(orderId: string, result: SideResult): Promise<OrderProgress>;
  /** Moves a PLACED order to its terminal state; false when another worker ended it first. */
  finish(orderId: string, to: 'CONFIRMED' | 'REJECTED', reason?: string): Promise<boolean>;
  read(orderId: string): Promise<OrderProgress>;
  /** Undoes one side (idempotent) and records that it was undone. */
  compensate(orderId: string, compensation: Compensation): Promise<void>;
}

export interface Settlement {
  readonly order: OrderProgress;
  /** The terminal state this worker moved the order to, if it was the one. */
  readonly finished?: 'CONFIRMED' | 'REJECTED';
  readonly compensated: readonly Compensation[];
}

/** Records one side's answer, ends the order if it is decided, and undoes what a rejection leaves held. */
export async function settle(orderId: string, result: SideResult, ports: FanInPorts): Promise<Settlement> {
  let order = await ports.recordSide(orderId, result);
  let decision = decide(order);
  let finished: Settlement['finished'];
  if (decision.transition !== undefined) {
    const { to } = decision.transition;
    if (await ports.finish(orderId, to, decision.transition.to === 'REJECTED' ? decision.transition.reason : undefined)) {
      finished = to;
      order = { ...order, status: to };
    } else {
      order = await ports.read(orderId);
      decision = decide(order);
    }
  }
  for (const compensation of decision.compensations) await ports.compensate(orderId, compensation);
  return { order, ...(finished ? { finished } : {}), compensated: decision.compensations };
}
