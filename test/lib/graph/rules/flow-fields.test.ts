import { expectProblem, expectValid, linearFlow } from '../flows';

describe('flow-level rules', () => {
  it('refuses another document version', () => {
    expectProblem(linearFlow({ version: 2 as never }), { field: 'version', value: 2 });
  });

  it('refuses bad flow names', () => {
    for (const name of ['1Flow', 'my flow', 'a'.repeat(81), '']) expectProblem(linearFlow({ name }), { field: 'name', value: name });
    for (const name of ['MyFlow', 'my-flow_2', 'a'.repeat(80)]) expectValid(linearFlow({ name }));
  });

  it.each<[string, number, number]>([
    ['maxWorkers', 0, 1],
    ['maxWorkers', 10_001, 10_000],
    ['maxNumSplits', 0, 1],
    ['maxNumSplits', 2.5, 100],
    ['workflowTimeoutSeconds', 59, 60],
    ['workflowTimeoutSeconds', 365 * 24 * 3600 + 1, 365 * 24 * 3600],
  ])('%s: refuses %d, accepts %d', (field, bad, good) => {
    expectProblem(linearFlow({ [field]: bad }), { where: 'flow "TestFlow"', field, value: bad });
    expectValid(linearFlow({ [field]: good }));
  });

  it('refuses tags AWS would refuse', () => {
    expectProblem(linearFlow({ tags: { 'aws:owner': 'x' } }), { field: 'tags.aws:owner' });
    expectProblem(linearFlow({ tags: { k: 'v'.repeat(257) } }), { field: 'tags.k' });
    expectProblem(linearFlow({ tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }), { field: 'tags', value: 51 });
    expectValid(linearFlow({ tags: { owner: 'v'.repeat(256) } }));
  });

  describe('S3 triggers', () => {
    it('lets a trigger set only declared string parameters, from the bucket or the key', () => {
      const parameters = [{ name: 'input_key', type: 'string' as const, default: '' }, { name: 'rows', type: 'number' as const, default: 1 }];
      expectValid(linearFlow({ parameters, triggers: [{ bucket: 'landing', parameters: { input_key: 'key' } }] }));
      expectProblem(linearFlow({ parameters, triggers: [{ bucket: 'landing', parameters: { missing: 'key' } }] }), { where: 'flow "TestFlow" triggers[0]', field: 'parameters.missing', message: /not a parameter of the flow/ });
      expectProblem(linearFlow({ parameters, triggers: [{ bucket: 'landing', parameters: { rows: 'key' } }] }), { field: 'parameters.rows', value: 'number', message: /is a number, but the object's key is a string/ });
      expectProblem(linearFlow({ parameters, triggers: [{ bucket: 'landing', parameters: { input_key: 'size' as never } }] }), { field: 'parameters.input_key', value: 'size', message: /only the object's "bucket" or "key"/ });
    });

    it('refuses a trigger without bucket', () => {
      expectProblem(linearFlow({ triggers: [{ bucket: '' }] }), { where: 'flow "TestFlow" triggers[0]', field: 'bucket', message: /needs the bucket/ });
      // no bucket at all is the document's shape, judged before the rules
      expectProblem(linearFlow({ triggers: [{} as never] }), { where: 'flow "TestFlow"', field: 'triggers[0].bucket', message: /is required/ });
    });

    it('refuses a bucket ARN or URL instead of a name', () => {
      expectProblem(linearFlow({ triggers: [{ bucket: 's3://landing' }] }), { field: 'bucket', value: 's3://landing' });
      expectProblem(linearFlow({ triggers: [{ bucket: 'Landing' }] }), { field: 'bucket' });
    });

    it('refuses wildcards, empty and leading-slash prefixes', () => {
      expectProblem(linearFlow({ triggers: [{ bucket: 'landing', prefix: 'in/*' }] }), { field: 'prefix' });
      expectProblem(linearFlow({ triggers: [{ bucket: 'landing', suffix: '' }] }), { field: 'suffix' });
      expectProblem(linearFlow({ triggers: [{ bucket: 'landing', prefix: '/incoming/' }] }), { field: 'prefix', message: /do not start with/ });
    });

    it('accepts a bucket with prefix and suffix', () => {
      expectValid(linearFlow({ triggers: [{ bucket: 'acme.landing-zone', prefix: 'incoming/', suffix: '.csv' }, { bucket: 'abc' }] }));
    });
  });
});

describe('S3 trigger buckets made in the same app', () => {
  it('accept a token bucket name (known only at deploy), still refuse a malformed literal one', () => {
    const token = '${Token[TOKEN.123]}';
    expectValid(linearFlow({ triggers: [{ bucket: token }] }));
    expectProblem(linearFlow({ triggers: [{ bucket: 's3://uploads' }] }), { field: 'bucket', value: 's3://uploads' });
  });
});
