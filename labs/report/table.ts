import Table from 'cli-table3';

export type Cell = string | number | boolean;

/**
 * A bordered table. cli-table3 colours headers red by default, which would put escape codes in plain
 * output: headers stay uncoloured here, and callers colour cells themselves when colour is on.
 */
export function renderTable(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const table = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows) {
    table.push(row.map((cell) => String(cell)));
  }
  return table.toString();
}
