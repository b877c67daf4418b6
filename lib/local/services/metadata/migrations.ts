import * as fs from 'fs';
import * as path from 'path';

/** Where metaflow-service keeps its goose migrations, relative to its source tree. */
export const MIGRATIONS_DIR = path.join('services', 'migration_service', 'migration_files');

/** One goose migration file: its version (the number its name starts with) and the SQL its Up section runs. */
export interface Migration {
  readonly file: string;
  readonly version: bigint;
  readonly up: string;
}

/** Bookkeeping goose itself keeps, so a later run of Metaflow's migration service (goose) sees these as applied. */
const GOOSE_TABLE = [
  'CREATE TABLE IF NOT EXISTS goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now());',
  'INSERT INTO goose_db_version (version_id, is_applied) SELECT 0, true WHERE NOT EXISTS (SELECT 1 FROM goose_db_version);',
];

/**
 * The text between `-- +goose Up` and `-- +goose Down` (or the end). goose's `StatementBegin`/`StatementEnd` markers
 * are SQL comments, so the section runs as it stands in psql.
 */
export function gooseUpSection(sql: string, file = 'migration'): string {
  const up = /^--\s*\+goose\s+Up\b.*$/im.exec(sql);
  if (!up) throw new Error(`${file} has no "-- +goose Up" section`);
  const rest = sql.slice(up.index + up[0].length);
  const down = /^--\s*\+goose\s+Down\b.*$/im.exec(rest);
  return (down ? rest.slice(0, down.index) : rest).trim();
}

/** `20200603104139_add_str_id_cols.sql` -> 20200603104139n; undefined for a file goose would not read. */
export function migrationVersion(file: string): bigint | undefined {
  const match = /^(\d+)_.*\.sql$/.exec(file);
  return match ? BigInt(match[1]) : undefined;
}

/** Migrations of the given files in goose's order: by version number, not by name (`1_` before `2020...`). */
export function orderMigrations(files: ReadonlyArray<{ file: string; sql: string }>): Migration[] {
  return files
    .flatMap(({ file, sql }) => {
      const version = migrationVersion(file);
      return version === undefined ? [] : [{ file, version, up: gooseUpSection(sql, file) }];
    })
    .sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

/** Reads the migration files of a metaflow-service source tree, in goose's order. */
export function readMigrations(serviceSrc: string): Migration[] {
  const dir = path.join(serviceSrc, MIGRATIONS_DIR);
  const migrations = orderMigrations(fs.readdirSync(dir).map((file) => ({ file, sql: fs.readFileSync(path.join(dir, file), 'utf-8') })));
  if (migrations.length === 0) throw new Error(`${dir} holds no <version>_<name>.sql migration`);
  return migrations;
}

/**
 * One psql script that applies the migrations not yet recorded in `goose_db_version`, each followed by its record.
 * psql runs it statement by statement in autocommit (no BEGIN), which `CREATE INDEX CONCURRENTLY` requires; with
 * `ON_ERROR_STOP` a failing migration stops the script before its version is recorded.
 */
export function migrationScript(migrations: readonly Migration[], applied: ReadonlySet<bigint> = new Set()): string {
  const lines = [...GOOSE_TABLE];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    lines.push(`-- ${m.file}`, m.up, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (${m.version}, true);`);
  }
  return `${lines.join('\n')}\n`;
}
