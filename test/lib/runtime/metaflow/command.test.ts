import { batchDecoratorSpec, metaflowStepCommand, metaflowStepCommands } from '../../../../lib/runtime/metaflow/command';
import { FIXTURE_FLOWS, normaliseEnvFiles, recorded } from './fixture-deployment';

describe.each(FIXTURE_FLOWS)('commands of %s match Metaflow\'s step-functions create', (dir) => {
  const fixture = recorded(dir);

  test.each(fixture.states.map((s) => [s.name, s] as const))('step %s: the whole bash -c script', (name, state) => {
    const ours = metaflowStepCommand(fixture.graph, name, fixture.deployment, { staticBatchSteps: fixture.staticBatchSteps });
    const theirs = state.Parameters.ContainerOverrides.Command;
    expect(ours.slice(0, 2)).toEqual(theirs.slice(0, 2));
    expect(normaliseEnvFiles(ours[2])).toBe(normaliseEnvFiles(theirs[2]));
  });
});

describe('command options', () => {
  const fixture = recorded('foreach_flow');

  test('every step gets --with batch unless its @batch is static', () => {
    const withBatch = metaflowStepCommands(fixture.graph, 'upper', fixture.deployment).join(' ');
    expect(withBatch).toContain(`--with '${batchDecoratorSpec(fixture.graph.nodes.get('upper')!.step, fixture.deployment)}'`);
    expect(metaflowStepCommands(fixture.graph, 'upper', fixture.deployment, { staticBatchSteps: ['upper'] }).join(' ')).not.toContain('--with \'batch:');
  });

  test('tags, namespace and flow options reach init and step', () => {
    const commands = metaflowStepCommands(fixture.graph, 'start', { ...fixture.deployment, tags: ['team:ml'], namespace: 'prod', flowOptions: ['--branch', 'b1'] });
    expect(commands[0]).toMatch(/--branch b1 --quiet .* init --run-id sfn-\$METAFLOW_RUN_ID --task-id \$\{AWS_BATCH_JOB_ID\}-params --tag team:ml; fi$/);
    expect(commands[1]).toMatch(/--tag team:ml --namespace=prod$/);
    expect(commands[1]).not.toContain('--split-index');
  });

  test('a zip code package is unpacked with zipfile; setup commands run before Metaflow', () => {
    const [, , script] = metaflowStepCommand(fixture.graph, 'upper', { ...fixture.deployment, codePackage: { url: 's3://assets/abc.zip', sha: 'abc', format: 'zip' } }, { setup: ['export X=1'] });
    expect(script).toContain('download_file("assets", "abc.zip", "job.zip")');
    expect(script).toContain(`python -c 'import zipfile; zipfile.ZipFile("job.zip").extractall(".")'`);
    expect(script).not.toContain('tar -xzf');
    expect(script.indexOf('export X=1')).toBeLessThan(script.indexOf('step upper'));
  });

  test('a flow without the metaflow runtime is refused', () => {
    const generic = { ...fixture.graph, document: { ...fixture.graph.document, runtime: { kind: 'generic' as const } } };
    expect(() => metaflowStepCommands(generic, 'start', fixture.deployment)).toThrow(/not a Metaflow flow/);
  });
});
