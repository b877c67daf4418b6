import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isValidationError } from '../../lib/errors';
import { importPythonFlow } from '../../lib/importer/python';
import { planFlow } from '../../lib/compile/plan';
import { OPTIONS } from '../lib/compile/helpers';
import { describeWithRealMetaflow } from '../support/real-metaflow';

/** Mistakes the real Metaflow refuses (its `run` validates the flow before or at the first task): each is refused at synth too. */
const REFUSED_BY_METAFLOW: Record<string, { source: string; metaflowSays: RegExp }> = {
  'a parameter declared twice': {
    source: 'alpha = Parameter("alpha", default=1)\n    beta = Parameter("ALPHA", default=2)\n',
    metaflowSays: /Parameter alpha is specified twice/i,
  },
  'more retries than Metaflow allows': {
    source: '',
    metaflowSays: /maximum number of retries is @retry\(times=4\)/,
  },
  'a foreach over an empty list literal': {
    source: '',
    metaflowSays: /produced zero splits/,
  },
};

function flowSource(name: string, body: string): string {
  const retry = name === 'more retries than Metaflow allows' ? '    @retry(times=7)\n' : '';
  const foreach = name === 'a foreach over an empty list literal';
  return [
    'from metaflow import FlowSpec, step, retry, Parameter',
    'class BadFlow(FlowSpec):',
    `    ${body}`,
    `${retry}    @step`,
    '    def start(self):',
    ...(foreach ? ['        self.items = []', '        self.next(self.each, foreach="items")', '    @step', '    def each(self):', '        self.next(self.join)', '    @step', '    def join(self, inputs):', '        self.next(self.end)'] : ['        self.next(self.end)']),
    '    @step',
    '    def end(self):',
    '        pass',
    'if __name__ == "__main__":',
    '    BadFlow()',
  ].join('\n');
}

describeWithRealMetaflow('refusals compared with the real Metaflow', (real) => {
  it.each(Object.keys(REFUSED_BY_METAFLOW))('%s: Metaflow refuses it, and so does synth', (name) => {
    const { source, metaflowSays } = REFUSED_BY_METAFLOW[name];
    const dir = mkdtempSync(join(tmpdir(), 'mf-refusal-'));
    const file = join(dir, 'flow.py');
    writeFileSync(file, flowSource(name, source));
    const { python, metaflowSrc } = real();
    const run = spawnSync(python, [file, '--no-pylint', '--datastore=local', '--metadata=local', 'run'], {
      cwd: dir, encoding: 'utf8', timeout: 120_000,
      env: { ...process.env, PYTHONPATH: metaflowSrc, USER: 'mfcdk', METAFLOW_HOME: dir, METAFLOW_DATASTORE_SYSROOT_LOCAL: dir },
    });
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(metaflowSays);

    let refused: unknown;
    try {
      planFlow(importPythonFlow(file), { ...OPTIONS, image: 'python:3.11' });
    } catch (error) {
      refused = error;
    }
    expect(isValidationError(refused)).toBe(true);
  }, 150_000);
});
