// CSV export of DLQ rows. A cell a spreadsheet would read as a formula (starts with
// = + - @, tab or carriage return) is prefixed with ' so it stays text (OWASP CSV
// injection); every cell is quoted, quotes doubled. Pure.
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function csvLine(cells: readonly unknown[]): string {
  return cells.map((c) => `"${neutraliseCell(c).replace(/"/g, '""')}"`).join(',') + '\r\n';
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return csvLine(header) + rows.map(csvLine).join('');
}
