import { validateFlow } from '../../../lib/graph';
import { flowWith, importSource, problemsOf } from './import-source';

const start = (decorators: string[]) => importSource(flowWith({ startDecorators: decorators })).steps[0];

describe('step decorators', () => {
  test('@resources and @batch merge by the larger value, as Metaflow does', () => {
    expect(start(['@resources(cpu=16, memory=1024, gpu=1)', '@batch(cpu=2, memory=8192, image="img")'])).toMatchObject({ cpu: 16, memory: 8192, gpu: 1, image: 'img' });
    // @resources alone may go below Metaflow's @batch defaults.
    expect(start(['@resources(memory=2048)'])).toMatchObject({ memory: 2048 });
    expect(start(['@resources(memory=2048)']).cpu).toBeUndefined();
    // beside @batch, what @resources leaves out counts at its defaults (cpu 1, memory 4096), as in compute_resource_attributes
    expect(start(['@resources(cpu=4)', '@batch(memory=2048)'])).toMatchObject({ cpu: 4, memory: 4096 });
    expect(start(['@resources(gpu=1)', '@batch(cpu=0.25, memory=512)'])).toMatchObject({ cpu: 1, memory: 4096, gpu: 1 });
  });

  test('@batch argument names map to document fields and numeric strings become numbers', () => {
    const step = start(['@batch(cpu="0.5", shared_memory=64, use_tmpfs=True, iam_role="arn:r", aws_batch_tags={"team": "ml"}, log_options=["a:b"])']);
    expect(step).toMatchObject({ cpu: 0.5, sharedMemory: 64, useTmpfs: true, tmpfsTempdir: true, iamRole: 'arn:r', awsBatchTags: { team: 'ml' }, logOptions: ['a:b'] });
    expect(start(['@batch(use_tmpfs=True, tmpfs_tempdir=False)']).tmpfsTempdir).toBe(false);
  });

  test('@resources(disk=...) is dropped, as Metaflow drops it on AWS Batch', () => {
    expect(start(['@resources(disk=10240, cpu=2)'])).toMatchObject({ cpu: 2 });
    expect(JSON.stringify(start(['@resources(disk=10240)']))).not.toMatch(/disk|10240/);
  });

  test('@retry and @catch get Metaflow defaults; @timeout sums to seconds', () => {
    expect(start(['@retry']).retry).toEqual({ times: 3, minutesBetweenRetries: 2 });
    expect(start(['@retry(times=1, minutes_between_retries=0)']).retry).toEqual({ times: 1, minutesBetweenRetries: 0 });
    expect(start(['@catch']).catch).toEqual({ printException: true });
    expect(start(['@timeout(hours=1, minutes=2, seconds=3)']).timeoutSeconds).toBe(3723);
    expect(problemsOf(flowWith({ startDecorators: ['@timeout'] }))[0].message).toMatch(/needs a duration/);
    expect(start(['@timeout(minutes=1)']).timeoutSeconds).toBe(60);
  });

  test('@timeout under 60 s is kept (the task times it); each part counts whole, as Metaflow takes int() of it', () => {
    expect(start(['@timeout(seconds=1)']).timeoutSeconds).toBe(1);
    expect(start(['@timeout(seconds=30, minutes=1)']).timeoutSeconds).toBe(90);
    expect(validateFlow(importSource(flowWith({ startDecorators: ['@timeout(seconds=1)'] })))).toEqual([]);
    expect(start(['@timeout(minutes=1.5)']).timeoutSeconds).toBe(60);
    for (const fraction of ['seconds=0.5', 'hours=0.5', 'minutes=0.9']) {
      expect(problemsOf(flowWith({ startDecorators: [`@timeout(${fraction})`] }))[0].message).toMatch(/needs a duration/);
    }
  });

  test('@environment, @secrets and @parallel', () => {
    expect(start(['@environment(vars={"A": "1", "B": "2"})']).environment).toEqual({ A: '1', B: '2' });
    expect(start(['@secrets(sources=["aws-secrets-manager.db", "plain", {"type": "aws-secrets-manager", "id": "arn:aws:secretsmanager:us-east-1:1:secret:x"}])']).secrets).toEqual([
      'db', 'plain', 'arn:aws:secretsmanager:us-east-1:1:secret:x',
    ]);
    expect(start(['@parallel']).parallel).toBe(true);
    expect(start(['@card']).parallel).toBeUndefined();
  });

  test('values Metaflow converts are converted as it does: @environment numbers and booleans by str(), None left out; one log option string', () => {
    expect(start(['@environment(vars={"N_THREADS": 4, "DEBUG": True, "RATE": 0.5, "UNSET": None, "S": "x"})']).environment).toEqual({ N_THREADS: '4', DEBUG: 'True', RATE: '0.5', S: 'x' });
    expect(problemsOf(flowWith({ startDecorators: ['@environment(vars={"L": [1, 2]})'] }))[0].message).toMatch(/a dict of names to strings, numbers or booleans/);
    expect(start(['@batch(log_driver="awslogs", log_options="awslogs-group:/x")']).logOptions).toEqual(['awslogs-group:/x']);
    // a tmpfs_size alone mounts the tmpfs; without a tmpfs Metaflow ignores tmpfs_path and tmpfs_tempdir
    expect(start(['@batch(tmpfs_size=1000)'])).toMatchObject({ useTmpfs: true, tmpfsSize: 1000, tmpfsTempdir: true });
    const ignored = start(['@batch(tmpfs_path="/scratch", tmpfs_tempdir=True, cpu=2)']);
    expect([ignored.useTmpfs, ignored.tmpfsPath, ignored.tmpfsTempdir, ignored.cpu]).toEqual([undefined, undefined, undefined, 2]);
  });

  test('a module-level preset of a Metaflow decorator is that decorator with its arguments, as Python applies it', () => {
    const doc = importSource(flowWith({ imports: 'from metaflow import FlowSpec, step, batch, retry\ngpu_batch = batch(gpu=1, memory=16000, queue="gpu-q")\nretry_twice = retry(times=2)', startDecorators: ['@gpu_batch', '@retry_twice'] }));
    expect(doc.steps[0]).toMatchObject({ gpu: 1, memory: 16000, queue: 'gpu-q', retry: { times: 2 } });
  });

  test('a step decorator twice (but @card), or one below @step, is refused, as Metaflow refuses it on import', () => {
    const twice = problemsOf(flowWith({ startDecorators: ['@retry(times=1)', '@retry(times=4)', '@environment(vars={"A": "1"})', '@environment(vars={"B": "2"})', '@card', '@card(type="blank")'] }));
    expect(twice.map((p) => [p.field, p.value])).toEqual([['@retry', 'twice'], ['@environment', 'twice']]);
    expect(twice[0].message).toBe('@retry is on the step twice, which Metaflow refuses (DuplicateStepDecoratorException)');
    const below = problemsOf(flowWith({ startDecorators: [] }).replace('    @step\n    def start(self):', '    @step\n    @batch(cpu=4)\n    def start(self):'));
    expect(below).toEqual([expect.objectContaining({ field: '@batch', value: 'below @step', fix: 'move @batch above @step' })]);
  });

  test('non-literal, unknown, unsupported and mistyped arguments are each reported', () => {
    const problems = problemsOf(flowWith({ startDecorators: ['@batch(cpu=N, host_volumes=["/x"], colour="red", memory="lots", gpu=1.5)'] }));
    expect(problems.map((p) => p.field)).toEqual(['@batch(cpu=...)', '@batch(host_volumes=...)', '@batch(colour=...)', '@batch(memory=...)', '@batch(gpu=...)']);
    expect(problems[0]).toMatchObject({ value: 'N', message: 'is not a literal value' });
    expect(problems[1].fix).toMatch(/remove host_volumes=/);
    expect(problems[2].fix).toMatch(/use one of: cpu, gpu, memory/);
    expect(problems[3].message).toBe('must be a whole number');
    expect(problems.every((p) => /flow_\d+\.py:\d+ step "start"$/.test(p.where))).toBe(true);
  });

  test('decorators that cannot be deployed are refused with the way out', () => {
    const problems = problemsOf(flowWith({ startDecorators: ['@kubernetes(cpu=2)', '@conda(libraries={"x": "1"})', '@my_own_decorator'] }));
    expect(problems.map((p) => p.field)).toEqual(['@kubernetes', '@conda', '@my_own_decorator']);
    expect(problems[1].message).toMatch(/bake the packages into the image/);
    expect(problems[2].fix).toMatch(/remove @my_own_decorator/);
    expect(problems[2].fix).toMatch(/extensionDecorators: \['my_own_decorator'\] \} \(CLI: --extension-decorator my_own_decorator\)/);
    expect(problems[0].fix).not.toMatch(/extensionDecorators/);
  });

  test("decorators of Metaflow extensions the user names are deployed as written, on steps and on the class", () => {
    const source = flowWith({ imports: 'from metaflow import FlowSpec, step, retry, audit, team_options', classDecorators: ['@team_options'], startDecorators: ['@audit(level=some_setting)', '@retry(times=2)'] });
    const doc = importSource(source, { extensionDecorators: ['audit', 'team_options'] });
    expect(doc.steps[0].retry).toEqual({ times: 2, minutesBetweenRetries: 2 });
    expect(validateFlow(doc)).toEqual([]);
    expect(problemsOf(source, { extensionDecorators: ['audit'] }).map((p) => p.field)).toEqual(['@team_options']);
    expect(problemsOf(source, { extensionDecorators: ['audit', 'team_options', 'batch', '@x'] }).map((p) => `${p.value}: ${p.message}`)).toEqual([
      "batch: @batch is Metaflow's own decorator, which metaflow-cdk reads (or refuses with its reason)",
      '@x: not a decorator name',
    ]);
  });

  test('@secrets in every form Metaflow accepts: options, and role= on the decorator or a source', () => {
    const role = 'arn:aws:iam::123456789012:role/team-b';
    const source = [
      '@secrets(sources=[{"type": "aws-secrets-manager", "id": "db", "options": {"env_var_name": "DB", "json": False}},',
      '                  {"id": "eu", "options": {"region": "eu-central-1"}}, "plain"], role="' + role + '")',
    ].join('\n');
    const doc = importSource(flowWith({ startDecorators: [source] }));
    expect(doc.steps[0].secrets).toEqual(['db', 'eu', 'plain']);
    expect(doc.runtime).toMatchObject({ secretAccess: { start: { db: { role }, eu: { role, region: 'eu-central-1' }, plain: { role } } } });
    expect(importSource(flowWith({ startDecorators: ['@secrets(sources=["plain"])'] })).runtime).not.toHaveProperty('secretAccess');
  });

  test('secrets sources Metaflow or metaflow-cdk cannot use are refused', () => {
    const problems = problemsOf(flowWith({ startDecorators: ['@secrets(sources=[{"type": "aws-secrets-manager", "id": "x", "role": "arn:r"}, "gcp-secret-manager.y"], role="arn:r")'] }));
    expect(problems.map((p) => p.field)).toEqual(['@secrets(role=...)', '@secrets(sources=...) role', '@secrets(sources=...)']);
    expect(problems[1].message).toBe('not an IAM role ARN');
    expect(problems[2].message).toMatch(/gcp-secret-manager/);
  });
});
