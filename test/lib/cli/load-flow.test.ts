import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadFlow } from '../../../lib/cli/load-flow';
import { CliError } from '../../../lib/cli/program';
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

  it('reads and normalizes a JSON flow document', async () => {
    const file = write('ok.json', JSON.stringify({ steps: [{ name: 'start', next: ['end'] }, { name: 'end' }], name: 'F', version: 1 }));
    expect(await loadFlow(file)).toEqual({ version: 1, name: 'F', steps: [{ name: 'start', next: ['end'] }, { name: 'end', next: [] }] });
  });

  it('reads an example from the repository', async () => {
    expect((await loadFlow(path.join(__dirname, '../../../examples/graphs/foreach.json'))).name).toBe('ForeachFlow');
  });

  it('reports a missing file, a directory and an unknown extension as CliErrors', async () => {
    await expect(loadFlow(path.join(dir, 'nope.json'))).rejects.toThrow(new CliError(`cannot read ${path.join(dir, 'nope.json')}: no such file`));
    fs.mkdirSync(path.join(dir, 'folder.json'));
    await expect(loadFlow(path.join(dir, 'folder.json'))).rejects.toThrow(/is a directory/);
    await expect(loadFlow(write('flow.yaml', 'x: 1'))).rejects.toThrow(/expected a JSON flow document \(\.json\) or a Python Metaflow flow file \(\.py\)/);
  });

  it('reports invalid JSON and a bad shape as ValidationErrors naming the file', async () => {
    const bad = write('bad.json', '{ "version": 1, ');
    await expect(loadFlow(bad)).rejects.toThrow(ValidationError);
    await expect(loadFlow(bad)).rejects.toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\(file\\)`));
    await expect(loadFlow(write('shape.json', '{"version":1,"name":"F","steps":[{"name":"start","nxt":[]}]}'))).rejects.toThrow(/nxt/);
  });

  it('hands a .py file to the Python importer and normalizes what it returns', async () => {
    (importPythonFlow as jest.Mock).mockReturnValue({ name: 'Py', version: 1, steps: [{ next: [], name: 'end', cpu: undefined }] });
    const file = write('flow.py', 'from metaflow import FlowSpec');
    expect(await loadFlow(file)).toEqual({ version: 1, name: 'Py', steps: [{ name: 'end', next: [] }] });
    expect(importPythonFlow).toHaveBeenCalledWith(file);
  });
});
