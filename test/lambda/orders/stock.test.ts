import { linesBySku, releaseAll, reserveAll, type StockPort } from '../../../lambda/orders/stock';

/** Stock of each SKU with the orders holding it, as the conditional updates of the real port keep it. */
function fakeStock(initial: Record<string, number>) {
  const stock = new Map(Object.entries(initial));
  const holders = new Map<string, Set<string>>();
  const port: StockPort = {
    async reserve(orderId, sku, quantity) {
      const held = holders.get(sku) ?? new Set<string>();
      if (held.has(orderId)) return true;
      const left = stock.get(sku) ?? 0;
      if (left < quantity) return false;
      stock.set(sku, left - quantity);
      holders.set(sku, held.add(orderId));
      return true;
    },
    async release(orderId, sku, quantity) {
      if (holders.get(sku)?.delete(orderId)) stock.set(sku, (stock.get(sku) ?? 0) + quantity);
    },
  };
  return { port, stock };
}

describe('reserveAll', () => {
  test.each([
    ['takes every line that is in stock', { A: 5, B: 5 }, [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 5 }], { kind: 'RESERVED' }, { A: 3, B: 0 }],
    ['refuses and gives back what it took when a line is short', { A: 5, B: 1 }, [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 2 }], { kind: 'REFUSED', sku: 'B' }, { A: 5, B: 1 }],
    ['sums repeated SKUs before checking', { A: 3 }, [{ sku: 'A', quantity: 2 }, { sku: 'A', quantity: 2 }], { kind: 'REFUSED', sku: 'A' }, { A: 3 }],
    ['refuses an unknown SKU', { A: 3 }, [{ sku: 'Z', quantity: 1 }], { kind: 'REFUSED', sku: 'Z' }, { A: 3 }],
  ])('%s', async (_name, initial, lines, expected, after) => {
    const { port, stock } = fakeStock(initial);
    await expect(reserveAll('order-1', lines, port)).resolves.toEqual(expected);
    expect(Object.fromEntries(stock)).toEqual(after);
  });

  test('takes an order\'s stock once however often the order is redelivered', async () => {
    const { port, stock } = fakeStock({ A: 5 });
    await reserveAll('order-1', [{ sku: 'A', quantity: 2 }], port);
    await reserveAll('order-1', [{ sku: 'A', quantity: 2 }], port);
    expect(stock.get('A')).toBe(3);
  });

  test('never goes below zero when many orders compete for the last units', async () => {
    const { port, stock } = fakeStock({ A: 10 });
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => reserveAll(`order-${i}`, [{ sku: 'A', quantity: 3 }], port)));
    expect(outcomes.filter((o) => o.kind === 'RESERVED')).toHaveLength(3);
    expect(stock.get('A')).toBe(1);
  });

  test('releases an order\'s stock once', async () => {
    const { port, stock } = fakeStock({ A: 5 });
    await reserveAll('order-1', [{ sku: 'A', quantity: 2 }], port);
    await releaseAll('order-1', [{ sku: 'A', quantity: 2 }], port);
    await releaseAll('order-1', [{ sku: 'A', quantity: 2 }], port);
    expect(stock.get('A')).toBe(5);
  });
});

test('linesBySku orders lines by SKU so concurrent orders take SKUs in one order', () => {
  expect(linesBySku([{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }])).toEqual([
    { sku: 'A', quantity: 1 },
    { sku: 'B', quantity: 3 },
  ]);
});
