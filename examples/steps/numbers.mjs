// The steps of the NumbersFlow example (examples/flows/numbers.ts): `node examples/steps/numbers.mjs <step>`.
// start makes the numbers 1..count; one branch squares each in a foreach and sums the squares, the other computes
// the mean; combine derives the variance; end reads the result back and prints it.
import { inputPaths, readArtifact, step, task, writeArtifact, writeForeachWidth } from './datastore.mjs';

const steps = {
  async start() {
    const count = Number(task.parameters.count ?? 10);
    // the mean and variance of no numbers, or of 1..2.5, mean nothing: refuse them where the run starts
    if (!Number.isInteger(count) || count < 1) {
      console.error(`start: count must be a whole number of at least 1, got ${JSON.stringify(task.parameters.count)}; run with --param count=10`);
      process.exit(1);
    }
    const numbers = Array.from({ length: count }, (_, i) => i + 1);
    await writeArtifact('numbers', numbers);
    console.log(`start: ${count} numbers`);
  },
  async squares() {
    const [parent] = inputPaths();
    const numbers = await readArtifact(parent, 'numbers');
    await writeArtifact('numbers', numbers);
    await writeForeachWidth(numbers.length);
    console.log(`squares: fanning out over ${numbers.length} numbers`);
  },
  async square() {
    const [parent] = inputPaths();
    const numbers = await readArtifact(parent, 'numbers');
    const value = numbers[task.splitIndex];
    await writeArtifact('square', { value, square: value * value });
    console.log(`square[${task.splitIndex}]: ${value}^2 = ${value * value}`);
  },
  async sum_squares() {
    const squares = await Promise.all(inputPaths().map((p) => readArtifact(p, 'square')));
    const sum = squares.reduce((total, s) => total + s.square, 0);
    await writeArtifact('sum_squares', { sum, count: squares.length });
    console.log(`sum_squares: ${squares.length} squares sum to ${sum}`);
  },
  async stats() {
    const [parent] = inputPaths();
    const numbers = await readArtifact(parent, 'numbers');
    const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
    await writeArtifact('stats', { mean, max: Math.max(...numbers) });
    console.log(`stats: mean ${mean}`);
  },
  async combine() {
    const inputs = inputPaths();
    const sums = await readArtifact(inputs.find((p) => p.startsWith('sum_squares/')), 'sum_squares');
    const stats = await readArtifact(inputs.find((p) => p.startsWith('stats/')), 'stats');
    const variance = sums.sum / sums.count - stats.mean * stats.mean;
    await writeArtifact('result', { count: sums.count, sumOfSquares: sums.sum, mean: stats.mean, max: stats.max, variance });
  },
  async end() {
    const [parent] = inputPaths();
    const r = await readArtifact(parent, 'result');
    console.log(`NumbersFlow ${task.runId}: n=${r.count} sum of squares=${r.sumOfSquares} mean=${r.mean} variance=${r.variance}`);
    await writeArtifact('summary', r);
  },
};

const name = process.argv[2] ?? task.step;
if (!(name in steps)) {
  console.error(`unknown step ${name}: one of ${Object.keys(steps).join(', ')}`);
  process.exit(2);
}
step(steps[name]);
