import * as fs from 'fs';
import * as path from 'path';
import { formatProblem, isValidationError, type Problem } from '../../../lib/errors';
import { analyzeFlow, validateFlow } from '../../../lib/graph';
import type { FlowDocument, StepSpec } from '../../../lib/graph/model';
import { importPythonFlow, pythonFlowSecretIds } from '../../../lib/importer/python';
import { FIELD_OF } from '../../../lib/importer/step-decorators';
import { flowWith, importSource, problemsOf, writeFlow } from './import-source';
import { METAFLOW_FIXTURES } from '../../support/fixtures';
import { METAFLOW_GRAPH_FLOWS, type MetaflowDecorator, readMetaflowGraph } from '../graph/metaflow-graph';

const FIXTURES = METAFLOW_FIXTURES;
const flowDirs = METAFLOW_GRAPH_FLOWS;
const invalidDirs = fs.readdirSync(path.join(FIXTURES, 'invalid'));

/** Metaflow prints Python `None` as the string "None". */
const given = (v: unknown): boolean => v !== 'None' && v !== null && v !== undefined;
const asNumber = (v: unknown): number => Number(v);

/** Model fields that are undefined when the flow leaves Metaflow's @batch default in place. */
const BATCH_DEFAULTS: Record<string, unknown> = { useTmpfs: false, tmpfsTempdir: true, tmpfsPath: '/metaflow_temp', privileged: false };

/** What Metaflow's decorator attributes mean in flow-document fields (merging @batch and @resources by max). */
function expectedSettings(decorators: MetaflowDecorator[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const batch = decorators.find((d) => d.name === 'batch')?.attributes ?? {};
  const resources = decorators.find((d) => d.name === 'resources')?.attributes ?? {};
  for (const [key, value] of Object.entries(batch)) if (given(value) && FIELD_OF[key]) out[FIELD_OF[key]] = value;
  for (const key of ['cpu', 'gpu', 'memory', 'shared_memory']) {
    const values = [batch[key], resources[key]].filter(given).map(asNumber);
    if (values.length > 0) out[FIELD_OF[key]] = Math.max(...values);
  }
  for (const deco of decorators) {
    const a = deco.attributes;
    if (deco.name === 'retry') out.retry = { times: asNumber(a.times), minutesBetweenRetries: asNumber(a.minutes_between_retries) };
    if (deco.name === 'timeout') out.timeoutSeconds = asNumber(a.seconds) + 60 * asNumber(a.minutes) + 3600 * asNumber(a.hours);
    if (deco.name === 'catch') out.catch = { ...(given(a.var) ? { var: a.var } : {}), printException: a.print_exception };
    if (deco.name === 'environment') out.environment = a.vars;
  }
  return out;
}

function refusal(file: string): Problem[] {
  try {
    return validateFlow(importPythonFlow(file));
  } catch (error) {
    if (isValidationError(error)) return [...error.problems];
    throw error;
  }
}

describe.each(flowDirs)('fixture %s agrees with Metaflow', (dir) => {
  const graph = readMetaflowGraph(dir);
  let doc: FlowDocument;
  beforeAll(() => {
    doc = importPythonFlow(path.join(FIXTURES, dir, 'flow.py'));
  });
  const step = (name: string): StepSpec => doc.steps.find((s) => s.name === name)!;

  test('names the flow class and the code package', () => {
    expect(doc.name).toBe(graph.flow);
    expect(doc.runtime).toEqual({ kind: 'metaflow', flowFile: 'flow.py', flowClass: graph.flow, directory: path.join(FIXTURES, dir) });
    const show = fs.readFileSync(path.join(FIXTURES, dir, 'show.txt'), 'utf-8');
    // `python flow.py show` prints the class docstring first (when Metaflow could run it here).
    if (show.includes('exit=0')) expect(show.trim().split('\n')[0]).toBe(doc.doc);
  });

  test('is valid and has the same steps, start, end and order', () => {
    expect(validateFlow(doc)).toEqual([]);
    const analysed = analyzeFlow(doc);
    expect(doc.steps.map((s) => s.name).sort()).toEqual(Object.keys(graph.nodes).sort());
    expect(analysed.start).toBe(graph.start_step);
    expect(analysed.end).toBe(graph.end_step);
    expect(analysed.sortedNames).toEqual(graph.sorted_nodes);
  });

  test('has the same node types, transitions, joins, foreach variables and switch cases', () => {
    const analysed = analyzeFlow(doc);
    for (const [name, node] of Object.entries(graph.nodes)) {
      const ours = analysed.nodes.get(name)!;
      expect({ name, type: ours.type, in: ours.inFuncs, out: ours.outFuncs, parents: ours.splitParents }).toEqual({
        name, type: node.type, in: node.in_funcs, out: node.out_funcs, parents: node.split_parents,
      });
      expect({ name, join: ours.matchingJoin ?? null, param: ours.foreachParam ?? null, inside: ours.isInsideForeach, parallel: ours.numParallel ?? 0 }).toEqual({
        name, join: node.matching_join, param: node.foreach_param, inside: node.is_inside_foreach, parallel: node.num_parallel,
      });
      expect(step(name).join === true).toBe(node.type === 'join');
      expect({ name, switch: step(name).switch }).toEqual({ name, switch: node.condition ? { condition: node.condition, cases: node.switch_cases } : undefined });
    }
  });

  test('has the same decorator values and source lines', () => {
    for (const [name, out] of Object.entries(graph.output_steps.steps)) {
      const ours = step(name) as unknown as Record<string, unknown>;
      const expected = expectedSettings(out.decorators);
      const mapped = Object.fromEntries(Object.keys(expected).map((k) => [k, ours[k] ?? BATCH_DEFAULTS[k]]));
      expect({ name, ...mapped }).toEqual({ name, ...expected });
      // No setting appears that Metaflow did not see.
      const settingKeys = Object.keys(ours).filter((k) => !['name', 'next', 'foreach', 'numParallel', 'parallel', 'switch', 'join', 'start', 'end', 'doc', 'source'].includes(k));
      expect(settingKeys.filter((k) => !(k in expected))).toEqual([]);
      expect(step(name).source?.line).toBe(out.line);
      expect(step(name).doc ?? '').toBe(out.doc);
    }
  });

  test('has the parameter defaults Metaflow ships to the start step', () => {
    // From the state machine Metaflow compiled, or, for a flow step-functions create refuses, from Metaflow's
    // Parameter objects (tools/record_graph.py).
    const sfnFile = path.join(FIXTURES, dir, 'sfn.json');
    const match = fs.existsSync(sfnFile) ? /"Name": "METAFLOW_DEFAULT_PARAMETERS",\s*"Value": ("(?:[^"\\]|\\.)*")/.exec(fs.readFileSync(sfnFile, 'utf-8')) : null;
    const metaflowDefaults = fs.existsSync(sfnFile)
      ? (match ? JSON.parse(JSON.parse(match[1])) : {})
      : JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'parameters.json'), 'utf-8'));
    const ours = Object.fromEntries((doc.parameters ?? []).filter((p) => p.default !== undefined).map((p) => [p.name, p.default]));
    expect(ours).toEqual(metaflowDefaults);
  });
});

describe.each(invalidDirs)('invalid fixture %s', (dir) => {
  test('is refused, naming what Metaflow names', () => {
    const file = path.join(FIXTURES, 'invalid', dir, 'flow.py');
    const problems = refusal(file);
    expect(problems.length).toBeGreaterThan(0);
    const check = fs.readFileSync(path.join(FIXTURES, 'invalid', dir, 'metaflow_check.txt'), 'utf-8');
    const message = check.split('\n').find((l) => /^\s{4}\S/.test(l) && !l.includes('Validity checker'))!;
    const stepNames = [...fs.readFileSync(file, 'utf-8').matchAll(/(?:def |self\.)(\w+)/g)].map((m) => m[1]).filter((n) => n !== 'next');
    const named = stepNames.filter((n) => new RegExp(`\\b${n}\\b`).test(message));
    expect(named.length).toBeGreaterThan(0);
    const text = problems.map(formatProblem).join('\n');
    expect(named.some((n) => text.includes(n))).toBe(true);
  });
});

describe('errors of the file itself', () => {
  test('a syntax error names file and line', () => {
    const file = writeFlow('from metaflow import FlowSpec, step\n\nclass F(FlowSpec):\n    @step\n    def start(self)\n        pass\n');
    expect(() => importPythonFlow(file)).toThrow(/flow_\d+\.py:5: syntax/);
  });

  test('a file without a FlowSpec subclass is refused', () => {
    const problems = problemsOf('class NotAFlow:\n    pass\n');
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/no class deriving from metaflow.FlowSpec/);
  });

  test('two FlowSpec classes are refused unless one is named', () => {
    const source = ['from metaflow import FlowSpec, step', ...['AFlow', 'BFlow'].flatMap((c) => [
      `class ${c}(FlowSpec):`, '    @step', '    def start(self):', '        self.next(self.end)', '    @step', '    def end(self):', '        pass',
    ])].join('\n');
    const problems = problemsOf(source);
    expect(problems[0].value).toEqual(['AFlow', 'BFlow']);
    expect(problems[0].fix).toMatch(/flowClass/);
    const runsB = `${source}\nif __name__ == "__main__":\n    BFlow()\n`;
    expect(importSource(runsB, { flowClass: 'BFlow' }).name).toBe('BFlow');
    // the main block names the flow every task runs
    expect(importSource(runsB).name).toBe('BFlow');
    expect(problemsOf(runsB, { flowClass: 'AFlow' })).toEqual([
      expect.objectContaining({ field: 'flowClass', value: 'AFlow', message: "the file's main block runs BFlow, so every task would run BFlow's step, not AFlow's" }),
    ]);
  });

  test('a file that never runs its flow (no main block, or one that calls nothing) is refused: every task would do nothing', () => {
    const flow = ['from metaflow import FlowSpec, step', 'class F(FlowSpec):', '    @step', '    def start(self):', '        self.next(self.end)', '    @step', '    def end(self):', '        pass'].join('\n');
    expect(problemsOf(flow)).toEqual([
      expect.objectContaining({ field: 'main block', value: 'none', message: expect.stringMatching(/^the file never runs F: every task runs `python flow_\d+\.py step <step>`/), fix: expect.stringContaining('F()') }),
    ]);
    expect(problemsOf(`${flow}\nif __name__ == "__main__":\n    pass\n`)).toEqual([expect.objectContaining({ field: 'main block', value: 'runs nothing' })]);
    expect(importSource(`${flow}\nif "__main__" == __name__:\n    F()\n`).name).toBe('F');
    // a main that calls a function of the file cannot be followed; it is trusted
    expect(importSource(`${flow}\ndef main():\n    F()\nif __name__ == "__main__":\n    main()\n`).name).toBe('F');
  });

  test('a missing file and a missing interpreter are ValidationErrors', () => {
    expect(() => importPythonFlow('/nonexistent/flow.py')).toThrow(/does not exist/);
    const file = writeFlow('from metaflow import FlowSpec\n');
    expect(() => importPythonFlow(file, { python: '/nonexistent/python3' })).toThrow(/METAFLOW_CDK_PYTHON/);
  });

  test('every problem of a file is reported at once', () => {
    const source = [
      'from metaflow import FlowSpec, step, batch, kubernetes',
      'CPUS = 4',
      'class F(FlowSpec):',
      '    @batch(cpu=CPUS)',
      '    @step',
      '    def start(self):',
      '        self.next(self.end)',
      '    @kubernetes',
      '    @step',
      '    def end(self):',
      '        pass',
      'if __name__ == "__main__":',
      '    F()',
    ].join('\n');
    const problems = problemsOf(source);
    expect(problems.map((p) => [p.where.replace(/^.*\//, ''), p.field])).toEqual([
      [expect.stringMatching(/^flow_\d+\.py:4 step "start"$/), '@batch(cpu=...)'],
      [expect.stringMatching(/^flow_\d+\.py:8 step "end"$/), '@kubernetes'],
    ]);
    expect(problems[0].value).toBe('CPUS');
    expect(problems[0].fix).toMatch(/literal value/);
    expect(problems[1].fix).toMatch(/remove @kubernetes/);
  });

  test('values that read but are wrong come in the same report as values that do not read, each with its line', () => {
    const source = [
      'from metaflow import FlowSpec, step, batch, retry, schedule, trigger, Parameter',
      '@schedule(cron="bogus cron")',
      '@trigger(event="s3://UPPER_case/in/")',
      'class F(FlowSpec):',
      '    alpha = Parameter("alpha", type=int, default="x")',
      '    @batch(cpu=-1)',
      '    @retry(times=-3)',
      '    @step',
      '    def start(self):',
      '        self.next(self.end)',
      '    @batch(memory="lots")',
      '    @step',
      '    def end(self):',
      '        pass',
      'if __name__ == "__main__":',
      '    F()',
    ].join('\n');
    const problems = problemsOf(source);
    expect(problems.map((p) => `${p.where.replace(/\/.*\/flow_\d+\.py/, 'flow.py')} | ${p.field}`)).toEqual([
      'flow.py:11 step "end" | @batch(memory=...)',
      'flow "F" triggers[0] (flow.py:3) | bucket',
      'flow "F" step "start" (flow.py:9) | cpu',
      'flow "F" step "start" (flow.py:9) | retry.times',
      'flow "F" parameters[0] "alpha" (flow.py:5) | default',
      'flow "F" schedule (flow.py:2) | cron',
    ]);
  });

  test('@catch on a foreach split is reported once, in Python\'s words', () => {
    const problems = problemsOf(flowWith({ startDecorators: ['@catch'] }).replace('self.next(self.end)', 'self.items = [1]\n        self.next(self.end, foreach="items")'));
    expect(problems.filter((p) => /catch/.test(p.field)).map((p) => p.field)).toEqual(['@catch']);
  });
});

describe('flow shape', () => {
  test('steps inherited from a base FlowSpec class in the same file', () => {
    const doc = importSource([
      'from metaflow import FlowSpec, step',
      'class Base(FlowSpec):',
      '    @step',
      '    def start(self):',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      'class Child(Base):',
      '    @step',
      '    def end(self):',
      '        """overridden"""',
      'if __name__ == "__main__":',
      '    Child()',
    ].join('\n'));
    expect(doc.name).toBe('Child');
    expect(doc.steps.map((s) => [s.name, s.doc])).toEqual([['start', undefined], ['end', 'overridden']]);
  });

  test("a base class's flow decorators apply to the flow, as Metaflow merges them; one on both is refused", () => {
    const source = (child: string) => [
      'from metaflow import FlowSpec, step, schedule, project',
      '@project(name="ranking")',
      '@schedule(hourly=True)',
      'class Base(FlowSpec):',
      '    @step',
      '    def start(self):',
      '        self.next(self.end)',
      '    @step',
      '    def end(self):',
      '        pass',
      child,
      'class Child(Base):',
      '    pass',
      'if __name__ == "__main__":',
      '    Child()',
    ].join('\n');
    const doc = importSource(source(''));
    expect(doc.schedule).toMatchObject({ hourly: true });
    expect(doc.runtime).toMatchObject({ project: 'ranking' });
    expect(problemsOf(source('@schedule(daily=True)'))).toEqual([
      expect.objectContaining({ field: '@schedule', value: 'Child', message: '@schedule is on Child and on Base; Metaflow refuses a flow decorator twice (DuplicateFlowDecoratorException)' }),
    ]);
  });

  test("steps and parameters of a mixin of the same file are the flow's (Metaflow finds them on any base); an imported base is named beside the graph problems it causes", () => {
    const mixin = [
      'from metaflow import FlowSpec, step, Parameter',
      'class CommonSteps:',
      '    beta = Parameter("beta", default=3)',
      '    @step',
      '    def end(self):',
      '        pass',
      'class F(FlowSpec, CommonSteps):',
      '    @step',
      '    def start(self):',
      '        self.next(self.end)',
      'if __name__ == "__main__":',
      '    F()',
    ].join('\n');
    const doc = importSource(mixin);
    expect(doc.steps.map((s) => s.name).sort()).toEqual(['end', 'start']);
    expect(doc.parameters?.map((p) => [p.name, p.default])).toEqual([['beta', 3]]);
    const imported = mixin.replace(/class CommonSteps:[\s\S]*?pass\n/, '').replace('from metaflow import FlowSpec, step, Parameter', 'from metaflow import FlowSpec, step\nfrom common import CommonSteps');
    const problems = problemsOf(imported);
    expect(problems.find((p) => p.field === 'bases')).toMatchObject({ value: ['CommonSteps'], message: expect.stringContaining('comes from another module, which metaflow-cdk does not read') });
    // a helper base from another module is no problem when the flow is whole without it
    expect(importSource(imported.replace('class F(FlowSpec, CommonSteps):', 'class F(FlowSpec, CommonSteps):\n    @step\n    def end(self):\n        pass')).name).toBe('F');
  });

  test('imports through metaflow module aliases and renamed decorators', () => {
    const doc = importSource([
      'import metaflow as mf',
      'from metaflow import batch as on_batch',
      'class F(mf.FlowSpec):',
      '    @on_batch(cpu=2)',
      '    @mf.step',
      '    def start(self):',
      '        self.next(self.end)',
      '    @mf.step',
      '    def end(self):',
      '        pass',
      'if __name__ == "__main__":',
      '    F()',
    ].join('\n'));
    expect(doc.steps[0]).toMatchObject({ name: 'start', cpu: 2 });
  });

  test('the flow file is never executed', () => {
    const marker = `${writeFlow('')}.ran`;
    const doc = importSource(flowWith({ imports: `from metaflow import FlowSpec, step\nopen(${JSON.stringify(marker)}, "w").write("x")` }));
    expect(doc.steps.map((s) => s.name)).toEqual(['start', 'end']);
    expect(fs.existsSync(marker)).toBe(false);
  });
});

describe('examples/python', () => {
  const examples = path.resolve(__dirname, '../../../examples/python');
  test.each(fs.readdirSync(examples).filter((f) => f.endsWith('.py')))('%s imports and validates', (file) => {
    const doc = importPythonFlow(path.join(examples, file));
    expect(validateFlow(doc)).toEqual([]);
    expect(doc.runtime).toMatchObject({ kind: 'metaflow', flowFile: file });
    expect(analyzeFlow(doc).sortedNames).toContain('end');
  });
});

describe('pythonFlowSecretIds', () => {
  test("names the Secrets Manager ids of every step's @secrets, whatever else the file holds", () => {
    const file = writeFlow(flowWith({
      imports: 'from metaflow import FlowSpec, step, secrets, audit',
      startDecorators: ['@audit', '@secrets(sources=["aws-secrets-manager.db/creds", {"type": "inline", "id": "t", "options": {"env_vars": {"A": "b"}}}, {"id": "api"}])'],
    }));
    expect(pythonFlowSecretIds(file)).toEqual(['db/creds', 'api']);
    expect(pythonFlowSecretIds(writeFlow(flowWith({})))).toEqual([]);
  });
});
