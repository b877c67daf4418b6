/**
 * Every foreach strategy the compiler has, through the local engine, at widths 0, 1 and 3:
 * start (foreach) -> square -> plus-one -> gather (join) -> end, with artifacts in the local S3 datastore.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LocalAssembly } from '../../lib/local/template/assembly';
import { doc, printedResult, readArtifact, run, step, STEP, synthesize } from './harness';

const STRATEGIES = ['array-job', 'inline-map', 'distributed-map'] as const;
const flowName = (strategy: string): string => `Foreach_${strategy.replace(/-/g, '_')}`;

describe('foreach strategies run end to end on the local engine', () => {
  let assembly: LocalAssembly;
  let runRoot: string;
  beforeAll(() => {
    runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-foreach-'));
    assembly = synthesize(
      STRATEGIES.map((strategy) => ({
        flow: doc(
          flowName(strategy),
          [
            step('start', ['square'], STEP('foreach'), { foreach: 'items' }),
            step('square', ['plus'], STEP('square')),
            step('plus', ['gather'], STEP('plus-one')),
            step('gather', ['end'], STEP('join'), { join: true }),
            step('end', [], STEP('end')),
          ],
          { parameters: [{ name: 'width', type: 'number', required: true }], maxNumSplits: strategy === 'inline-map' ? 40 : 20000 },
        ),
        props: { foreachStrategies: { start: strategy } },
      })).concat(
        (['inline-map', 'distributed-map'] as const).map((strategy) => ({
          flow: doc(
            `Nested_${strategy.replace(/-/g, '_')}`,
            [
              step('start', ['row'], STEP('foreach'), { foreach: 'items' }),
              step('row', ['left', 'right'], ['true']),
              step('left', ['row_join'], STEP('square')),
              step('right', ['row_join'], STEP('square')),
              step('row_join', ['rows_join'], STEP('join'), { join: true }),
              step('rows_join', ['end'], STEP('join'), { join: true }),
              step('end', [], STEP('end')),
            ],
            { parameters: [{ name: 'width', type: 'number', required: true }], maxNumSplits: 40 },
          ),
          props: { foreachStrategies: { start: strategy } },
        })),
      ),
    ).assembly;
  });
  afterAll(() => fs.rmSync(runRoot, { recursive: true, force: true }));

  // state transitions of the successful runs above, reused by the last test instead of running the flows again
  const transitionsSeen = new Map<string, number>();
  const transitions = async (strategy: string, width: number): Promise<number> =>
    transitionsSeen.get(`${strategy}/${width}`) ?? (await run(assembly, flowName(strategy), runRoot, { parameters: { width } })).stateTransitions;

  const cases = STRATEGIES.flatMap((strategy) => [0, 1, 3].map((width) => [strategy, width] as const));
  test.each(cases)('%s at width %i', async (strategy, width) => {
    const result = await run(assembly, flowName(strategy), runRoot, { parameters: { width } });
    if (result.status === 'SUCCEEDED') transitionsSeen.set(`${strategy}/${width}`, result.stateTransitions);
    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    // sum over the splits of (i^2 + 1), computed by the steps through artifacts in the local datastore
    const expected = Array.from({ length: width }, (_, i) => i * i + 1).reduce((a, b) => a + b, 0);
    expect(printedResult(result, 'end')).toEqual({ value: expected, count: width });
    expect(readArtifact(runRoot, result, 'gather', '1')).toEqual({ value: expected, count: width });
    const tasks = Object.fromEntries(result.stats.all().map((s) => [s.step, s.succeeded]));
    expect(tasks.square ?? 0).toBe(width);
    expect(tasks.plus ?? 0).toBe(width);
    expect(tasks.gather).toBe(1);
    if (width > 0) expect(readArtifact(runRoot, result, 'square', `1-${width - 1}`)).toEqual({ value: (width - 1) ** 2 });
  });

  test.each(['inline-map', 'distributed-map'])('%s over a body that branches (Parallel inside the Map)', async (strategy) => {
    const result = await run(assembly, `Nested_${strategy.replace(/-/g, '_')}`, runRoot, { parameters: { width: 3 } });
    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    // each row sums left and right (i^2 each); the outer join sums the rows: 2 * (0 + 1 + 4)
    expect(printedResult(result, 'end')).toEqual({ value: 10, count: 3 });
    expect(result.stats.step('left').succeeded).toBe(3);
    expect(result.stats.step('right').succeeded).toBe(3);
  });

  test('state transitions of an array-job foreach do not grow with the width; a map foreach adds states per item', async () => {
    const array = [await transitions('array-job', 3), await transitions('array-job', 6)];
    expect(array[1]).toBe(array[0]);
    const inline = [await transitions('inline-map', 3), await transitions('inline-map', 6)];
    // 3 more iterations, each entering the same states
    expect(inline[1]).toBeGreaterThan(inline[0]);
    expect((inline[1] - inline[0]) % 3).toBe(0);
  });
});
