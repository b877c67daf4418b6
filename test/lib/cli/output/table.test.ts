import { renderTable } from '../../../../lib/cli/output/table';

describe('renderTable', () => {
  const columns = [
    { header: 'NAME', value: (r: { name: string; note: string }) => r.name },
    { header: 'NOTE', value: (r: { name: string; note: string }) => r.note },
  ];

  test('aligns columns to the widest cell, last column unpadded, newlines flattened', () => {
    const text = renderTable([{ name: 'a-long-name', note: 'x' }, { name: 'b', note: 'multi\n  line' }], columns, { color: false });
    expect(text).toBe('NAME         NOTE\na-long-name  x\nb            multi line\n');
  });

  test('an empty table is just the header; color makes the header bold', () => {
    expect(renderTable([], columns, { color: false })).toBe('NAME  NOTE\n');
    expect(renderTable([], columns, { color: true })).toContain('\x1b[1m');
  });
});
