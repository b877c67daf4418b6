import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gooseUpSection, migrationScript, migrationVersion, MIGRATIONS_DIR, orderMigrations, readMigrations } from '../../../../../lib/local/services/metadata/migrations';

const INDEX_MIGRATION = [
  '-- +goose NO TRANSACTION',
  '-- +goose Up',
  '-- +goose StatementBegin',
  'CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON a (x);',
  '-- +goose StatementEnd',
  '-- +goose Down',
  '-- +goose StatementBegin',
  'DROP INDEX IF EXISTS a_idx;',
  '-- +goose StatementEnd',
].join('\n');

describe('goose Up sections', () => {
  test('only the text between Up and Down runs; the Down section never does', () => {
    const up = gooseUpSection(INDEX_MIGRATION);
    expect(up).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON a (x);');
    expect(up).not.toContain('DROP INDEX');
    expect(up).not.toContain('NO TRANSACTION');
  });

  test('a file without Down runs to its end; a file without Up is refused by name', () => {
    expect(gooseUpSection('-- +goose Up\nCREATE TABLE t (x int);\n')).toBe('CREATE TABLE t (x int);');
    expect(() => gooseUpSection('CREATE TABLE t (x int);', '7_bad.sql')).toThrow('7_bad.sql has no "-- +goose Up" section');
  });

  test('versions are the leading number; files goose would not read are skipped', () => {
    expect(migrationVersion('20200603104139_add_str_id_cols.sql')).toBe(20200603104139n);
    expect(migrationVersion('1_create_tables.sql')).toBe(1n);
    expect(migrationVersion('README.md')).toBeUndefined();
    expect(migrationVersion('create.sql')).toBeUndefined();
  });

  test('order is numeric, not by name: 1_ before 2020..., 9_ before 10_', () => {
    const files = ['20200603104139_b.sql', '10_c.sql', '1_a.sql', '9_d.sql', 'notes.txt'].map((file) => ({ file, sql: `-- +goose Up\nSELECT '${file}';` }));
    expect(orderMigrations(files).map((m) => m.file)).toEqual(['1_a.sql', '9_d.sql', '10_c.sql', '20200603104139_b.sql']);
  });
});

describe('the migration script', () => {
  const migrations = orderMigrations([
    { file: '2_index.sql', sql: INDEX_MIGRATION },
    { file: '1_tables.sql', sql: '-- +goose Up\nCREATE TABLE a (x int);\n-- +goose Down\nDROP TABLE a;' },
  ]);

  test('creates goose_db_version, then each Up section followed by its version record, in order, with no transaction', () => {
    const script = migrationScript(migrations);
    const order = ['CREATE TABLE IF NOT EXISTS goose_db_version', 'CREATE TABLE a (x int);', 'VALUES (1, true)', 'CREATE INDEX CONCURRENTLY', 'VALUES (2, true)'];
    const positions = order.map((text) => script.indexOf(text));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(script).not.toMatch(/\bBEGIN\b|\bCOMMIT\b|DROP TABLE/);
  });

  test('versions already applied are left out', () => {
    const script = migrationScript(migrations, new Set([1n]));
    expect(script).not.toContain('CREATE TABLE a');
    expect(script).toContain('VALUES (2, true)');
  });

  test('read from a source tree; an empty migrations folder is an error naming it', () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-migrations-'));
    try {
      fs.mkdirSync(path.join(src, MIGRATIONS_DIR), { recursive: true });
      expect(() => readMigrations(src)).toThrow(path.join(src, MIGRATIONS_DIR));
      fs.writeFileSync(path.join(src, MIGRATIONS_DIR, '3_x.sql'), '-- +goose Up\nSELECT 1;');
      expect(readMigrations(src).map((m) => m.version)).toEqual([3n]);
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
    }
  });
});
