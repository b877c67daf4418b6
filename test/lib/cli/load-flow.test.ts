import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadFlow } from '../../../lib/cli/load-flow';
import { CliError, UsageError } from '../../../lib/cli/program';
import { ValidationError } from '../../../lib/errors';
import { importPythonFlow } from '../../../lib/importer/python';

jest.mock('../../../lib/importer/python', () => ({ importPythonFlow: jest.fn() }));

describe('loadFlow', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-flow-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads and normalizes a JSON flow document', () => {
    const file = write('ok.json', JSON.stringify({ steps: [{ name: 'start', next: ['end'] }, { name: 'end' }], name: 'F', version: 1 }));
    expect(loadFlow(file)).toEqual({ version: 1, name: 'F', steps: [{ name: 'start', next: ['end'] }, { name: 'end', next: [] }] });
  });

  it('reads an example from the repository', () => {
    expect(loadFlow(path.join(__dirname, '../../../examples/graphs/foreach.json')).name).toBe('ForeachFlow');
  });

  it('reports a missing file, a directory and an unknown extension as CliErrors', () => {
    expect(() => loadFlow(path.join(dir, 'nope.json'))).toThrow(new CliError(`cannot read ${path.join(dir, 'nope.json')}: no such file or directory`));
    fs.mkdirSync(path.join(dir, 'folder.json'));
    expect(() => loadFlow(path.join(dir, 'folder.json'))).toThrow(/is a directory/);
    expect(() => loadFlow(write('flow.yaml', 'x: 1'))).toThrow(/expected a JSON flow document \(\.json\) or a Python Metaflow flow file \(\.py\)/);
  });

  it('reports invalid JSON and a bad shape as ValidationErrors naming the file', () => {
    const bad = write('bad.json', '{ "version": 1, ');
    expect(() => loadFlow(bad)).toThrow(ValidationError);
    expect(() => loadFlow(bad)).toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:17: \\(json\\)`));
    expect(() => loadFlow(write('shape.json', '{"version":1,"name":"F","steps":[{"name":"start","nxt":[]}]}'))).toThrow(/nxt/);
  });

  it('hands a .py file to the Python importer and normalizes what it returns', () => {
    (importPythonFlow as jest.Mock).mockReturnValue({ name: 'Py', version: 1, steps: [{ next: [], name: 'end', cpu: undefined }] });
    const file = write('flow.py', 'from metaflow import FlowSpec');
    expect(loadFlow(file)).toEqual({ version: 1, name: 'Py', steps: [{ name: 'end', next: [] }] });
    expect(importPythonFlow).toHaveBeenCalledWith(file, { flowClass: undefined });
  });

  it('passes --flow-class to the importer, and refuses it for a JSON document (usage error)', () => {
    (importPythonFlow as jest.Mock).mockReturnValue({ name: 'B', version: 1, steps: [{ next: [], name: 'end' }] });
    const file = write('two.py', 'from metaflow import FlowSpec');
    expect(loadFlow(file, { flowClass: 'B' }).name).toBe('B');
    expect(importPythonFlow).toHaveBeenLastCalledWith(file, { flowClass: 'B' });
    const json = write('one.json', JSON.stringify({ version: 1, name: 'F', steps: [{ name: 'end' }] }));
    expect(() => loadFlow(json, { flowClass: 'B' })).toThrow(new UsageError(`--flow-class picks a class of a Python flow file; ${json} is a JSON flow document, which holds one flow`));
  });
});
