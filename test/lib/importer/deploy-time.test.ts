import { readParameters } from '../../../lib/importer/parameters';
import { applyDeployTimeValues, evaluateAtDeployTime, type DeployTimeValues } from '../../../lib/importer/deploy-time';
import { resolveFlowClass } from '../../../lib/importer/flow-class';
import { readFlowFile } from '../../../lib/importer/python';
import { isValidationError, type Problem } from '../../../lib/errors';
import { writeFlow } from './import-source';

// What Metaflow's evaluation fills in (the evaluation itself runs the real Metaflow: test/real/run-local-deploy-time).

const SOURCE = [
  'from metaflow import FlowSpec, Config, Parameter, config_expr, environment, project, retry, step',
  '',
  '@project(name=config_expr("cfg.project"))',
  'class SampleFlow(FlowSpec):',
  '    cfg = Config("cfg", default="cfg.json")',
  '    when = Parameter("when", default=lambda ctx: "now")',
  '    fixed = Parameter("fixed", default=3)',
  '',
  '    @retry(times=cfg.retries, minutes_between_retries=0)',
  '    @environment(vars={"A": cfg.a})',
  '    @environment(vars={"B": "literal"})',
  '    @step',
  '    def start(self):',
  '        self.next(self.end)',
  '',
  '    @step',
  '    def end(self):',
  '        pass',
  '',
].join('\n');

const VALUES: DeployTimeValues = {
  flowName: 'SampleFlow',
  parameters: [{ attribute: 'when', name: 'when', default: 'evaluated' }, { attribute: 'fixed', name: 'fixed', default: 99 }],
  configs: [{ attribute: 'cfg', name: 'cfg' }],
  configValues: { cfg: [{ project: 'p', retries: 2, a: 'x' }, false] },
  unrepresentableConfigValues: null,
  includeFiles: [],
  steps: {
    start: [
      { name: 'environment', attributes: { vars: { B: 'literal' } }, unrepresentable: {} },
      { name: 'environment', attributes: { vars: { A: 'x' } }, unrepresentable: {} },
      { name: 'retry', attributes: { times: 2, minutes_between_retries: 7 }, unrepresentable: {} },
    ],
  },
  flowDecorators: [{ name: 'project', attributes: { name: 'p', production: false, branch: null }, unrepresentable: {} }],
};

function resolved(): NonNullable<ReturnType<typeof resolveFlowClass>> {
  const file = writeFlow(SOURCE);
  return resolveFlowClass(readFlowFile(file), file, undefined, [])!;
}

describe('applyDeployTimeValues', () => {
  test('fills each non-literal decorator argument with Metaflow\'s value, matching decorators by name and order', () => {
    const applied = applyDeployTimeValues(resolved(), VALUES);
    const start = applied.steps.find((s) => s.name === 'start')!;
    // the file lists decorators top first, Metaflow in the order they apply (bottom first)
    expect(start.decorators.map((d) => [d.name, d.kwargs])).toEqual([
      ['retry', { times: { value: 2 }, minutes_between_retries: { value: 0 } }],
      ['environment', { vars: { value: { A: 'x' } } }],
      ['environment', { vars: { value: { B: 'literal' } } }],
    ]);
    expect(applied.decorators[0].kwargs.name).toEqual({ value: 'p' });
  });

  test('a literal stays as written; a written minutes_between_retries is not replaced by Metaflow\'s value', () => {
    const retry = applyDeployTimeValues(resolved(), VALUES).steps.find((s) => s.name === 'start')!.decorators.find((d) => d.name === 'retry')!;
    expect(retry.kwargs).toEqual({ times: { value: 2 }, minutes_between_retries: { value: 0 } });
  });

  test('parameter defaults: a deploy-time function gets its value, a literal keeps its own; Configs leave the parameters', () => {
    const applied = applyDeployTimeValues(resolved(), VALUES);
    const problems: Problem[] = [];
    const specs = readParameters(applied.parameters, { file: 'flow.py' }, problems);
    expect(problems).toEqual([]);
    expect(specs).toEqual([
      { name: 'when', type: 'string', default: 'evaluated', source: { file: 'flow.py', line: 6 } },
      { name: 'fixed', type: 'number', default: 3, integer: true, source: { file: 'flow.py', line: 7 } },
    ]);
  });

  test("a deploy-time default Metaflow evaluated to a float keeps the parameter a float, whole or not (JSON's 1 for 1.0)", () => {
    const file = writeFlow(SOURCE.replace('    fixed = Parameter("fixed", default=3)', '    fixed = Parameter("fixed", default=3)\n    lr = Parameter("lr", default=cfg.lr)\n    n = Parameter("n", default=cfg.n)'));
    const values: DeployTimeValues = { ...VALUES, parameters: [...VALUES.parameters, { attribute: 'lr', name: 'lr', default: 1, defaultIsFloat: true }, { attribute: 'n', name: 'n', default: 4 }] };
    const applied = applyDeployTimeValues(resolveFlowClass(readFlowFile(file), file, undefined, [])!, values);
    const specs = readParameters(applied.parameters, { file: 'flow.py' }, []);
    expect(specs.filter((p) => p.name === 'lr' || p.name === 'n').map((p) => [p.name, p.type, p.default, p.integer])).toEqual([['lr', 'number', 1, undefined], ['n', 'number', 4, true]]);
  });

  test('without values for it, a non-literal stays non-literal and is refused as before', () => {
    const applied = applyDeployTimeValues(resolved(), { ...VALUES, parameters: [], steps: {}, flowDecorators: [] });
    const problems: Problem[] = [];
    readParameters(applied.parameters, { file: 'flow.py' }, problems);
    expect(problems.map((p) => p.field)).toEqual(['Parameter("when", default=...)']);
    expect(applied.cls.decorators[0].kwargs.name).toEqual({ nonLiteral: 'config_expr("cfg.project")' });
  });
});

describe('evaluateAtDeployTime: bad interpreters', () => {
  const errorOf = (python: string): string => {
    try {
      evaluateAtDeployTime(writeFlow(SOURCE), undefined, { python, environment: { PYTHONPATH: '' } });
    } catch (error) {
      if (isValidationError(error)) return error.problems.map((p) => `${p.field}: ${p.message} | ${p.fix}`).join('\n');
      throw error;
    }
    throw new Error('expected a ValidationError');
  };

  test('a missing interpreter is named with the fix', () => {
    expect(errorOf('/nonexistent/python3')).toMatch(/^python: cannot run the interpreter: .*ENOENT.* \| point deployTimeEvaluation\.python \(CLI: --evaluate-with\) at an interpreter where `python -c "import metaflow"` works/);
  });
});
