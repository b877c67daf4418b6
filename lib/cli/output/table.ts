import pc from 'picocolors';

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
}

/**
 * Renders rows as an aligned text table (two spaces between columns, header in bold on a colour terminal).
 * The last column is not padded, so long reasons do not leave trailing blanks.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], options: { color?: boolean } = {}): string {
  const cells = rows.map((row) => columns.map((column) => oneLine(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i].length)));
  const format = (line: readonly string[]) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const header = format(columns.map((column) => column.header));
  const color = options.color ?? useColor();
  return [color ? pc.createColors(true).bold(header) : header, ...cells.map(format)].join('\n') + '\n';
}

function oneLine(value: string): string {
  return value.replace(/\s*\n\s*/g, ' ');
}

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}
