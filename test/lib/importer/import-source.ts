import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isValidationError, type Problem } from '../../../lib/errors';
import type { FlowDocument } from '../../../lib/graph/model';
import { importPythonFlow, type ImportPythonFlowOptions } from '../../../lib/importer/python';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-importer-'));
let count = 0;

/** Writes Python source to a fresh file and returns its path. */
export function writeFlow(source: string): string {
  const file = path.join(dir, `flow_${++count}.py`);
  fs.writeFileSync(file, source);
  return file;
}

/** Imports Python source through the real reader (python3 + ast). */
export function importSource(source: string, options?: ImportPythonFlowOptions): FlowDocument {
  return importPythonFlow(writeFlow(source), options);
}

/** The problems importing the source raises; fails the test when it imports cleanly or throws something else. */
export function problemsOf(source: string, options?: ImportPythonFlowOptions): Problem[] {
  try {
    importSource(source, options);
  } catch (error) {
    if (isValidationError(error)) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ValidationError, the flow imported cleanly');
}

/** A minimal valid flow with the given decorators on `start`, class decorators and class body lines. */
export function flowWith(opts: { startDecorators?: string[]; classDecorators?: string[]; body?: string[]; imports?: string } = {}): string {
  return [
    opts.imports ?? 'from metaflow import FlowSpec, step, batch, resources, retry, timeout, catch, secrets, environment, parallel, schedule, project, trigger, Parameter, JSONType, kubernetes, conda',
    '',
    ...(opts.classDecorators ?? []),
    'class SampleFlow(FlowSpec):',
    '    """A sample."""',
    ...(opts.body ?? []).map((line) => `    ${line}`),
    '',
    ...(opts.startDecorators ?? []).map((line) => `    ${line}`),
    '    @step',
    '    def start(self):',
    '        self.next(self.end)',
    '',
    '    @step',
    '    def end(self):',
    '        pass',
    '',
    'if __name__ == "__main__":',
    '    SampleFlow()',
    '',
  ].join('\n');
}
