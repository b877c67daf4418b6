import { flowWith, importSource, problemsOf } from './import-source';

const params = (body: string[]) => importSource(flowWith({ body })).parameters;

describe('Parameters', () => {
  test('types come from type= or, as in Metaflow, from the default', () => {
    expect(params([
      'a = Parameter("a", default="x")',
      'b = Parameter("b", default=2)',
      'c = Parameter("c", type=float)',
      'd = Parameter("d", default=True)',
      'e = Parameter("e", type=JSONType, default=\'{"k": 1}\')',
      'f = Parameter(name="f-name", required=True, help="h", show_default=False)',
      'g = Parameter("g", type=int, default="3")',
    ])).toEqual([
      { name: 'a', type: 'string', default: 'x' },
      { name: 'b', type: 'number', default: 2 },
      { name: 'c', type: 'number' },
      { name: 'd', type: 'boolean', default: true },
      { name: 'e', type: 'json', default: '{"k": 1}' },
      { name: 'f-name', type: 'string', required: true, help: 'h' },
      { name: 'g', type: 'number', default: 3 },
    ]);
  });

  test('a separator keeps the parameter a string (Metaflow splits it inside the task)', () => {
    const flow = importSource(flowWith({ imports: 'from metaflow import FlowSpec, step, Parameter', body: ['l = Parameter("l", separator=",", default="a,b,c")'] }));
    expect(flow.parameters).toEqual([{ name: 'l', type: 'string', default: 'a,b,c' }]);
  });

  test('deploy-time defaults, unknown types and IncludeFile are refused', () => {
    const problems = problemsOf(flowWith({
      imports: 'from metaflow import FlowSpec, step, Parameter, IncludeFile',
      body: ['a = Parameter("a", default=lambda ctx: 1)', 'b = Parameter("b", type=MyType)', 'c = IncludeFile("c")', 'd = Parameter(NAME)', 'e = Parameter("e", separator=1)'],
    }));
    expect(problems.map((p) => p.field)).toEqual([
      'Parameter("a", default=...)', 'Parameter("b", type=...)', 'c = IncludeFile(...)', 'd = Parameter(name)', 'Parameter("e", separator=...)',
    ]);
    expect(problems[0].value).toBe('lambda ctx: 1');
    expect(problems[0].message).toMatch(/deploy-time functions/);
    expect(problems[3].value).toBe('NAME');
  });
});
