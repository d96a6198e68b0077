/**
 * Reserving an order's stock, item by item, through a port whose `reserve` is a conditional update
 * (`stock >= quantity`): stock never goes negative however many workers reserve at once. An order
 * that cannot have every item gives back what it took and is refused: a terminal answer, not a retry.
 */
export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
}

/**
 * Both calls are idempotent per order (the stock item records which orders hold it), so a redelivered
 * order neither takes its stock twice nor gives it back twice.
 */
export interface StockPort {
  /** Takes `quantity` of `sku` for `orderId` if that much is left; true if taken now or already held. */
  reserve(orderId: string, sku: string, quantity: number): Promise<boolean>;
  /** Gives back what `orderId` holds of `sku` (nothing if it holds none). */
  release(orderId: string, sku: string, quantity: number): Promise<void>;
}

export type ReservationOutcome = { readonly kind: 'RESERVED' } | { readonly kind: 'REFUSED'; readonly sku: string };

/** One line per SKU, quantities summed, in SKU order (so concurrent orders take SKUs in one order). */
export function linesBySku(lines: readonly OrderLine[]): OrderLine[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  return [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([sku, quantity]) => ({ sku, quantity }));
}

export async function reserveAll(orderId: string, lines: readonly OrderLine[], stock: StockPort): Promise<ReservationOutcome> {
  const taken: OrderLine[] = [];
  for (const line of linesBySku(lines)) {
    if (!(await stock.reserve(orderId, line.sku, line.quantity))) {
      await releaseAll(orderId, taken, stock);
      return { kind: 'REFUSED', sku: line.sku };
    }
    taken.push(line);
  }
  return { kind: 'RESERVED' };
}

export async function releaseAll(orderId: string, lines: readonly OrderLine[], stock: StockPort): Promise<void> {
  for (const line of linesBySku(lines)) await stock.release(orderId, line.sku, line.quantity);
}
