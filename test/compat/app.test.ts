import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesizeCompatApp } from '../../compat/metaflow-core/app';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { findFlow } from '../../lib/local/template/flows';

const flowSource = (name: string): string => `from metaflow import FlowSpec, step


class ${name}(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass

if __name__ == "__main__":
    ${name}()
`;

describe('the harness app of one graph', () => {
  test('fills each stack up to resourcesPerStack (CloudFormation allows 500), every flow found by name', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-compat-app-'));
    try {
      const names = ['OneFlow', 'TwoFlow', 'ThreeFlow'];
      const flows = names.map((name) => {
        const directory = path.join(work, name);
        fs.mkdirSync(directory);
        fs.writeFileSync(path.join(directory, 'test_flow.py'), flowSource(name));
        return { id: name, directory };
      });
      const outdir = path.join(work, 'cdk.out');
      // room for the infrastructure and two two-step flows, not three
      const resourcesPerStack = 85;
      expect(synthesizeCompatApp({ outdir, stackName: 'MetaflowCore-g', flows, resourcesPerStack })).toEqual([]);
      const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).sort();
      expect(templates).toEqual(['MetaflowCore-g-2.template.json', 'MetaflowCore-g.template.json']);
      for (const template of templates) {
        const resources = Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, template), 'utf-8')).Resources);
        expect(resources.length).toBeLessThanOrEqual(resourcesPerStack);
      }
      const assembly = LocalAssembly.fromDirectory(outdir);
      for (const name of names) expect(findFlow(assembly, name)).toBeDefined();
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
