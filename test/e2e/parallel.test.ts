/** `numParallel` (Metaflow's `@parallel`): a Batch multi-node job whose nodes are the tasks, then a join. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LocalAssembly } from '../../lib/local/template/assembly';
import { doc, printedResult, run, step, STEP, synthesize } from './harness';

const TRAIN =
  'echo "node $MF_PARALLEL_NODE_INDEX of $MF_PARALLEL_NUM_NODES main $MF_PARALLEL_MAIN_IP" && "$@" || exit 1; ' +
  'touch "$SCRATCH/$MF_RUN_ID-$MF_PARALLEL_NODE_INDEX"; ' +
  'if [ "$MF_PARALLEL_NODE_INDEX" = 0 ]; then while [ "$(ls "$SCRATCH" | grep -c "^$MF_RUN_ID-")" -lt "$MF_PARALLEL_NUM_NODES" ]; do sleep 0.05; done; fi';

describe('a multi-node parallel step on the local engine', () => {
  let assembly: LocalAssembly;
  let runRoot: string;
  let scratch: string;
  beforeAll(() => {
    runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-parallel-'));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-e2e-parallel-done-'));
    assembly = synthesize([
      {
        flow: doc('Parallel', [
          step('start', ['train'], ['true'], { numParallel: 3 }),
          // The main node waits for the others before it exits, as Metaflow's control task does: on Batch the job
          // ends when its main node exits, and the nodes still running are stopped.
          step('train', ['gather'], ['sh', '-c', TRAIN, 'train', ...STEP('square')], { parallel: true, environment: { SCRATCH: scratch } }),
          step('gather', ['end'], STEP('join'), { join: true }),
          step('end', [], STEP('end')),
        ]),
      },
    ]).assembly;
  });
  afterAll(() => {
    fs.rmSync(runRoot, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('runs every node with its index, the node count and the main node address, and joins their artifacts', async () => {
    const result = await run(assembly, 'Parallel', runRoot);
    expect(result.cause).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(printedResult(result, 'end')).toEqual({ value: 0 + 1 + 4, count: 3 });
    const logs = fs.readdirSync(path.join(result.logsDir, 'train')).map((f) => fs.readFileSync(path.join(result.logsDir, 'train', f), 'utf8'));
    expect(logs).toHaveLength(3);
    expect(result.stats.step('train')).toMatchObject({ succeeded: 3, failed: 0 });
    for (const i of [0, 1, 2]) expect(logs.some((l) => l.includes(`node ${i} of 3 main 127.0.0.1`))).toBe(true);
  });

  test("@catch on a multi-node step stores the failure under each node's task, the paths its join reads", async () => {
    const { assembly: catching } = synthesize([
      {
        flow: doc('ParCatch', [
          step('start', ['train'], ['true'], { numParallel: 2 }),
          step('train', ['gather'], ['sh', '-c', 'exit 3'], { parallel: true, catch: { var: 'failure' } }),
          step('gather', ['end'], ['true'], { join: true }),
          step('end', [], ['true']),
        ]),
      },
    ]);
    const result = await run(catching, 'ParCatch', runRoot);
    expect(result.status).toBe('SUCCEEDED');
    const s3 = path.join(runRoot, 's3');
    const stepDirs = fs.readdirSync(s3).map((bucket) => path.join(s3, bucket, 'metaflow', 'ParCatch', result.runId, 'train')).filter((dir) => fs.existsSync(dir));
    expect(stepDirs).toHaveLength(1);
    const withRecord = fs.readdirSync(stepDirs[0]).filter((task) => fs.existsSync(path.join(stepDirs[0], task, '_catch.json._S3rver_object')));
    expect(withRecord.sort()).toEqual(['1-0', '1-1']);
  });
});
