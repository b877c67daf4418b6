import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLocalFlow } from '../../../../lib/local/run/engine';
import { effectiveStatus, readRunRecord, recordedSteps, RUN_RECORD_FILE, type RunRecord } from '../../../../lib/local/run/run-record';
import { RunStats } from '../../../../lib/local/run/step-stats';
import { procStat } from '../../../../lib/local/process/proc-stat';
import { LocalAssembly } from '../../../../lib/local/template/assembly';
import { fixtureTemplate } from '../fixtures/templates';

const record = (process: RunRecord['process'], status: RunRecord['status'] = 'RUNNING'): RunRecord => ({
  format: 'metaflow-cdk-local-run/1',
  flow: 'F',
  runId: 'sfn-1',
  executionName: '1',
  status,
  startDate: new Date().toISOString(),
  stopDate: null,
  user: 'u',
  parameters: {},
  process,
  steps: [],
  stateTransitions: 0,
});

describe('run records', () => {
  test('a RUNNING record is RUNNING while its process lives, ABORTED once it is gone or its pid is reused', () => {
    const host = os.hostname();
    expect(effectiveStatus(record({ pid: process.pid, host }))).toEqual({ status: 'RUNNING' });
    const ticks = procStat(process.pid)?.startTicks;
    if (ticks !== undefined) {
      expect(effectiveStatus(record({ pid: process.pid, host, startTicks: ticks + 1 }))).toMatchObject({ status: 'ABORTED' });
    }
    const dead = effectiveStatus(record({ pid: 2 ** 22 + 1, host }));
    expect(dead).toEqual({ status: 'ABORTED', note: `process ${2 ** 22 + 1} that ran it ended without recording an outcome (killed, or the machine stopped)` });
    // another host's process cannot be checked from here
    expect(effectiveStatus(record({ pid: 2 ** 22 + 1, host: `${host}-elsewhere` }))).toEqual({ status: 'RUNNING' });
    expect(effectiveStatus(record({ pid: 2 ** 22 + 1, host }, 'SUCCEEDED'))).toEqual({ status: 'SUCCEEDED' });
  });

  test('steps follow the manifest, then steps that ran without being in it; a step with running tasks has not stopped', () => {
    const stats = new RunStats();
    stats.taskStarted('extra');
    stats.taskStarted('train', 2);
    stats.taskEnded('train', 'succeeded');
    const steps = recordedSteps([{ name: 'start', type: 'start' }, { name: 'train', type: 'foreach' }], stats);
    expect(steps.map((s) => [s.step, s.type, s.running, s.succeeded])).toEqual([
      ['start', 'start', 0, 0],
      ['train', 'foreach', 1, 1],
      ['extra', undefined, 1, 0],
    ]);
    expect(steps[1]).toMatchObject({ startedAt: expect.any(String), stoppedAt: null });
    expect(steps[0]).toMatchObject({ startedAt: null, stoppedAt: null });
  });

  test('a run the engine could not carry out is recorded FAILED with why; a record of another format is not read', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-run-record-'));
    try {
      const template = fixtureTemplate({
        flow: 'Odd',
        jobDefinitions: {},
        definition: { StartAt: 'odd', States: { odd: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: {}, End: true } } },
      });
      const runRoot = path.join(tmp, 'runs');
      await expect(runLocalFlow({ assembly: LocalAssembly.fromTemplates({ App: template }), flow: 'Odd', runRoot })).rejects.toThrow('cannot run these Task states');
      const [runId] = fs.readdirSync(path.join(runRoot, 'Odd'));
      const recorded = readRunRecord(path.join(runRoot, 'Odd', runId));
      expect(recorded).toMatchObject({ runId, status: 'FAILED', error: 'LocalEngineError', cause: expect.stringContaining('odd (arn:aws:states:::sqs:sendMessage)'), stopDate: expect.any(String) });

      fs.writeFileSync(path.join(runRoot, 'Odd', runId, RUN_RECORD_FILE), JSON.stringify({ ...recorded, format: 'other/2' }));
      expect(readRunRecord(path.join(runRoot, 'Odd', runId))).toBeUndefined();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('runLocalFlow options from JavaScript', () => {
  test('are refused before any folder or server exists, each with its fix', async () => {
    const error = await runLocalFlow({ assembly: {} as never, flow: '' , maxWorkers: 'four' as never, parameters: 'count=5' as never }).catch((e: unknown) => e);
    expect((error as { problems: { field: string }[] }).problems.map((p) => p.field)).toEqual(['assembly', 'flow', 'maxWorkers', 'parameters']);
    expect(() => LocalAssembly.fromDirectory('/no/such/cdk.out')).toThrow('"/no/such/cdk.out" is not a cloud assembly folder: synthesize the app first');
  });
});
