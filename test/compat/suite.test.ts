import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../compat/metaflow-core/main';
import { CompatError, generateMatrix, resolveSuite } from '../../compat/metaflow-core/suite';
import { describeWithRealMetaflow } from '../support/real-metaflow';

// Bad input to the core-suite harness: each is one line that says what is wrong and the fix, and leaves nothing behind.

const REPO = path.resolve(__dirname, '..', '..');
const PYTHON = process.env.MFCDK_PYTHON ?? '/usr/bin/python3';

/** A tree shaped like a Metaflow checkout with its core suite, with empty files: enough to reach the version check. */
function suiteShapedTree(version: string | undefined): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'suite-shaped-'));
  const core = path.join(root, 'test', 'core');
  for (const dir of ['graphs', 'tests', 'metaflow_test']) fs.mkdirSync(path.join(core, dir), { recursive: true });
  for (const file of ['run_tests.py', 'contexts.json', path.join('metaflow_test', 'formatter.py')]) fs.writeFileSync(path.join(core, file), '');
  fs.mkdirSync(path.join(root, 'metaflow'));
  if (version) fs.writeFileSync(path.join(root, 'metaflow', 'version.py'), `metaflow_version = "${version}"\n`);
  return root;
}

function generateFrom(suite: string, selection: { tests?: string; graphs?: string } = {}): () => unknown {
  return () => generateMatrix({ suite, out: fs.mkdtempSync(path.join(os.tmpdir(), 'suite-out-')), python: PYTHON, listOnly: true, ...selection });
}

/** The work folders (`<tmpdir>/metaflow-core-*`) that `body` made and left; only the harness makes such folders. */
async function workFoldersLeftBy(body: () => Promise<unknown>): Promise<string[]> {
  const workFolders = (): string[] => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('metaflow-core-'));
  const before = new Set(workFolders());
  await body().catch(() => undefined);
  return workFolders().filter((name) => !before.has(name));
}

test('no suite given names the flag, the variable and a tree to point them at', () => {
  expect(() => resolveSuite(undefined, {})).toThrow(CompatError);
  expect(() => resolveSuite(undefined, {})).toThrow(/pass --suite <dir> or set MFCDK_METAFLOW_SRC to a Metaflow 2\.19 source tree/);
  expect(resolveSuite(undefined, { MFCDK_METAFLOW_SRC: 'some/metaflow' })).toBe(path.resolve('some/metaflow'));
});

test('a suite path that does not exist says so and names the variable', () => {
  const missing = path.join(os.tmpdir(), 'no-such-metaflow');
  expect(generateFrom(missing)).toThrow(new CompatError(`the suite path ${missing} does not exist: set MFCDK_METAFLOW_SRC (or --suite) to a Metaflow 2.19.x source tree, e.g. ../shared/vendor/metaflow`));
});

test('a folder without the core suite (a pip-installed Metaflow, say) asks for a source checkout', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'not-metaflow-'));
  expect(generateFrom(empty)).toThrow(/has no test\/core\/run_tests\.py: the harness needs a Metaflow source checkout with its core suite \(git clone/);
});

test('a suite of another Metaflow version names both versions and the tag to check out', () => {
  const older = suiteShapedTree('2.18.7');
  expect(generateFrom(older)).toThrow(/the suite at .* is Metaflow 2\.18\.7; this harness reads the core suite of Metaflow 2\.19\.x .*git checkout 2\.19\.38/);
  const unversioned = suiteShapedTree(undefined);
  expect(generateFrom(unversioned)).toThrow(/holds no metaflow\/version\.py: point --suite \(or MFCDK_METAFLOW_SRC\) at a Metaflow source tree/);
});

test('the command prints bad input as one line and exits 2', () => {
  const missing = path.join(os.tmpdir(), 'no-such-metaflow');
  const run = spawnSync(path.join(REPO, 'node_modules', '.bin', 'tsx'), ['compat/metaflow-core/main.ts', '--suite', missing, '--python', PYTHON], { cwd: REPO, encoding: 'utf-8' });
  expect({ status: run.status, stderr: run.stderr, stdout: run.stdout }).toEqual({
    status: 2,
    stderr: `error: the suite path ${missing} does not exist: set MFCDK_METAFLOW_SRC (or --suite) to a Metaflow 2.19.x source tree, e.g. ../shared/vendor/metaflow\n`,
    stdout: '',
  });
}, 60_000);

test('refused input leaves no work folder behind', async () => {
  const older = suiteShapedTree('2.18.7');
  await expect(main(['--suite', older, '--python', PYTHON])).rejects.toThrow(/is Metaflow 2\.18\.7/);
  expect(await workFoldersLeftBy(() => main(['--suite', older, '--python', PYTHON]))).toEqual([]);
  await expect(main(['--suite', older, '--kinds', 'sfn,cloud'])).rejects.toThrow(new CompatError('--kinds takes sfn and/or beyond, got "cloud"'));
});

describeWithRealMetaflow('bad input against the real suite', (real) => {
  test('a test or graph name the suite does not have suggests the close ones', () => {
    const { metaflowSrc } = real();
    expect(generateFrom(metaflowSrc, { tests: 'BasicArtifactTst' })).toThrow(/^no test named BasicArtifactTst in the suite at .*test\/core: did you mean BasicArtifactTest( or \w+)*\?$/);
    expect(generateFrom(metaflowSrc, { graphs: 'nested-forech' })).toThrow(/^no graph named nested-forech in the suite at .*: did you mean nested-foreach( or [\w-]+)*\?$/);
  });

  test('a selection with nothing to run says how to widen it, and --list leaves no work folder', async () => {
    const { metaflowSrc, python } = real();
    // WideForeachTest runs only beyond python3-sfn (disabled there)
    await expect(main(['--suite', metaflowSrc, '--python', python, '--tests', 'WideForeachTest', '--kinds', 'sfn'])).rejects.toThrow(
      new CompatError('the selection holds no combination to run: widen --tests/--graphs/--kinds'),
    );
    // CardExtensionsImportTest's card types come from packages the suite's checkout does not install
    await expect(main(['--suite', metaflowSrc, '--python', python, '--tests', 'CardExtensionsImportTest', '--list'])).rejects.toThrow(
      /widen --tests\/--graphs\/--kinds \(not applicable: .*CardExtensionsImportTest: needs the packages of Metaflow's test\/extensions\/packages pip-installed/,
    );
    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true));
    try {
      const left = await workFoldersLeftBy(() => main(['--suite', metaflowSrc, '--python', python, '--tests', 'BasicArtifactTest', '--graphs', 'single-linear-step', '--list']));
      expect(left).toEqual([]);
    } finally {
      write.mockRestore();
    }
    expect(printed.join('')).toBe('BasicArtifactTest\tsingle-linear-step\tsfn\t\n');
  });
});
