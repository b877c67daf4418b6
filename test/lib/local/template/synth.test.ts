import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { appCommand, SynthError, synthesizeApp } from '../../../../lib/local/template/synth';

describe('synthesizing an app for a local run', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-synth-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("uses cdk.json's app command, else bin/app.ts under tsx, else explains what is missing", () => {
    expect(() => appCommand(dir)).toThrow(SynthError);
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'app.ts'), '');
    expect(appCommand(dir)).toBe('npx tsx bin/app.ts');
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
    expect(appCommand(dir)).toBe('node app.js');
  });

  test('runs the command with CDK_OUTDIR and refuses an app that writes no template', async () => {
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'echo "{}" > "$CDK_OUTDIR/App.template.json"' }));
    const outdir = await synthesizeApp(dir);
    expect(fs.readdirSync(outdir)).toEqual(['App.template.json']);
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'true' }));
    await expect(synthesizeApp(dir)).rejects.toThrow(/wrote no \*\.template\.json/);
  });
});
