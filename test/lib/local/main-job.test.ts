import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAIN_JOB_FLOW, readSummary } from '../../../lib/local/main-job';
import type { LocalRunResult } from '../../../lib/local/run/engine';
import { localObjectPath } from '../../../lib/local/services/s3-files';

// The full run of the main job is in test/e2e/examples.test.ts; this checks where it reads the result from.
describe('main job', () => {
  test('reads the end step summary from the datastore prefix of the run in the local S3 directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-main-'));
    const result = { flow: MAIN_JOB_FLOW, runId: 'sfn-1', s3Directory: dir } as LocalRunResult;
    expect(readSummary(result)).toBeUndefined();
    const file = localObjectPath(dir, 'datastore', `metaflow/${MAIN_JOB_FLOW}/sfn-1/end/1/summary.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ count: 3, sumOfSquares: 14, mean: 2, max: 3, variance: 2 / 3 }));
    expect(readSummary(result)).toMatchObject({ count: 3, sumOfSquares: 14 });
    fs.rmSync(dir, { recursive: true });
  });
});
