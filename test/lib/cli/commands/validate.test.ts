import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { METAFLOW_FIXTURES } from '../../../support/fixtures';
import { cli } from '../harness';

const EXAMPLES = path.join(__dirname, '../../../../examples/graphs');

describe('metaflow-cdk validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, doc: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return file;
  };

  it('prints a one-line summary and exits 0 for a valid flow', async () => {
    const { code, stdout, stderr } = await cli('validate', path.join(EXAMPLES, 'scheduled-etl.json'));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe('flow "NightlyEtlFlow" is valid: 5 steps, 1 foreach, 1 join, 4 parameters, schedule cron(30 2 * * ? *) Europe/Berlin, 1 S3 trigger\n');
  });

  it('counts branches in the summary', async () => {
    const { stdout } = await cli('validate', path.join(EXAMPLES, 'nested-foreach.json'));
    expect(stdout).toBe('flow "GridFlow" is valid: 9 steps, 1 branch, 2 foreaches, 3 joins\n');
  });

  it('prints every problem and exits 1', async () => {
    const file = write('broken.json', {
      version: 1,
      name: 'Broken',
      schedule: { cron: '0 12 * * *' },
      steps: [{ name: 'start', next: ['Work'], retry: { times: 6 } }, { name: 'Work', next: ['end'] }, { name: 'end' }],
    });
    const { code, stdout, stderr } = await cli('validate', file);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe('error: 3 problem(s):');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}- flow "Broken" step "Work": name = "Work": step Work has an invalid name.*Fix: rename it, e\.g\. "work"$/),
      expect.stringMatching(/^ {2}- flow "Broken" step "start": retry\.times = 6: must be a whole number from 0 to 4\. Fix: /),
      expect.stringMatching(/^ {2}- flow "Broken" schedule: cron = "0 12 \* \* \*": .*6 fields/),
    ]);
  });

  it('reports unknown fields and invalid JSON without a stack trace', async () => {
    const shape = await cli('validate', write('shape.json', { version: 1, name: 'F', steps: [{ name: 'start', next: [], memroy: 1 }] }));
    expect(shape.code).toBe(1);
    expect(shape.stderr).toContain('memroy = 1: unknown field. Fix: did you mean "memory"?');
    const json = await cli('validate', write('bad.json', '{"version": 1,'));
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/bad\.json:1:15: \(json\) = "\{\\"version\\": 1,": is not valid JSON: /);
    expect(json.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a missing file clearly and exits 1', async () => {
    const { code, stderr } = await cli('validate', path.join(dir, 'missing.json'));
    expect(code).toBe(1);
    expect(stderr).toBe(`error: cannot read ${path.join(dir, 'missing.json')}: no such file or directory\n`);
  });

  it('reads a Python Metaflow flow file', async () => {
    const { code, stdout } = await cli('validate', path.join(METAFLOW_FIXTURES, 'foreach_flow', 'flow.py'));
    expect(code).toBe(0);
    expect(stdout).toBe('flow "ForeachAnchorFlow" is valid: 5 steps, 1 foreach, 1 join\n');
  });

  it('refuses an invalid Python flow with the file and line of the step at fault', async () => {
    const file = path.join(METAFLOW_FIXTURES, 'invalid', 'undefined_next', 'flow.py');
    const { code, stdout, stderr } = await cli('validate', file);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`step "start" (${file}:8): next = "does_not_exist"`);
  });

  it('reads the class named by --flow-class from a file with several flows', async () => {
    const source = (cls: string) => `class ${cls}(FlowSpec):\n    @step\n    def start(self):\n        self.next(self.end)\n    @step\n    def end(self):\n        pass\n`;
    const main = 'if __name__ == "__main__":\n    import sys\n    AFlow() if "--a" in sys.argv else BFlow()\n';
    const file = write('two_flows.py', `from metaflow import FlowSpec, step\n${source('AFlow')}${source('BFlow')}${main}`);
    const ambiguous = await cli('validate', file);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('CLI: --flow-class AFlow');
    expect(await cli('validate', file, '--flow-class', 'BFlow')).toEqual({ code: 0, stdout: 'flow "BFlow" is valid: 2 steps\n', stderr: '' });
    expect((await cli('graph', file, '--flow-class', 'BFlow')).stdout).toContain('title: BFlow');
  });

  it('deploys an extension decorator named by --extension-decorator as written, and refuses it unnamed', async () => {
    const file = write('audited.py', 'from metaflow import FlowSpec, step\nfrom metaflow import audit\nclass AuditedFlow(FlowSpec):\n    @audit(level=2)\n    @step\n    def start(self):\n        self.next(self.end)\n    @step\n    def end(self):\n        pass\nif __name__ == "__main__":\n    AuditedFlow()\n');
    const refused = await cli('validate', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('@audit is not a step decorator metaflow-cdk can deploy');
    expect(await cli('validate', file, '--extension-decorator', 'audit')).toEqual({ code: 0, stdout: 'flow "AuditedFlow" is valid: 2 steps\n', stderr: '' });
    expect((await cli('graph', file, '--extension-decorator', 'audit')).stdout).toContain('title: AuditedFlow');
    const json = await cli('validate', write('doc.json', '{}'), '--extension-decorator', 'audit');
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--extension-decorator names a decorator of a Python flow file');
  });

  it('--evaluate-with is for Python flow files, and names an interpreter that cannot start', async () => {
    const json = await cli('validate', write('doc2.json', '{}'), '--evaluate-with', 'python3');
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--evaluate-with evaluates a Python flow file with Metaflow');
    const file = write('configured.py', 'from metaflow import FlowSpec, Config, step\nclass ConfiguredFlow(FlowSpec):\n    cfg = Config("cfg", default_value={"a": 1})\n    @step\n    def start(self):\n        self.next(self.end)\n    @step\n    def end(self):\n        pass\n');
    const missing = await cli('validate', file, '--evaluate-with', '/nonexistent/python3');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot run the interpreter: .*ENOENT/);
    expect(missing.stderr).toContain('point deployTimeEvaluation.python (CLI: --evaluate-with) at an interpreter');
  });

  it('refuses a file that is neither .json nor .py', async () => {
    const { code, stderr } = await cli('validate', write('flow.yaml', 'steps: []'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/flow\.yaml: expected a JSON flow document \(\.json\) or a Python Metaflow flow file \(\.py\)/);
  });

  it('needs the file argument (usage error, exit 2)', async () => {
    const { code, stderr } = await cli('validate');
    expect(code).toBe(2);
    expect(stderr).toMatch(/missing required argument 'file'/);
  });
});
