// The steps of the GridFlow example (examples/flows/numbers.ts): `node examples/steps/grid.mjs <step>`.
// start fans out over rows; inside each row two branches compute in parallel; the joins add them up.
import { inputPaths, readArtifact, step, task, writeArtifact, writeForeachWidth } from './datastore.mjs';

const steps = {
  async start() {
    const rows = Array.from({ length: Number(task.parameters.rows ?? 3) }, (_, i) => i + 1);
    await writeArtifact('rows', rows);
    await writeForeachWidth(rows.length);
  },
  async row() {
    const rows = await readArtifact(inputPaths()[0], 'rows');
    await writeArtifact('row', rows[task.splitIndex]);
  },
  async left() {
    await writeArtifact('cell', 2 * (await readArtifact(inputPaths()[0], 'row')));
  },
  async right() {
    await writeArtifact('cell', 3 * (await readArtifact(inputPaths()[0], 'row')));
  },
  async row_join() {
    const cells = await Promise.all(inputPaths().map((p) => readArtifact(p, 'cell')));
    await writeArtifact('row_total', cells.reduce((a, b) => a + b, 0));
  },
  async rows_join() {
    const totals = await Promise.all(inputPaths().map((p) => readArtifact(p, 'row_total')));
    await writeArtifact('grid_total', totals.reduce((a, b) => a + b, 0));
  },
  async end() {
    const total = await readArtifact(inputPaths()[0], 'grid_total');
    console.log(`GridFlow ${task.runId}: grid total=${total}`);
    await writeArtifact('summary', { total });
  },
};

const name = process.argv[2] ?? task.step;
if (!(name in steps)) {
  console.error(`unknown step ${name}: one of ${Object.keys(steps).join(', ')}`);
  process.exit(2);
}
step(steps[name]);
