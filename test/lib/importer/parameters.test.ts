import type { ParameterSpec } from '../../../lib/graph/model';
import { flowWith, importSource, problemsOf } from './import-source';

const params = (body: string[]) => importSource(flowWith({ body })).parameters;
/** A parameter as read, apart from where it was declared. */
const withoutSource = ({ source: _source, ...spec }: ParameterSpec) => spec;

describe('Parameters', () => {
  test('types come from type= or, as in Metaflow, from the default', () => {
    const read = params([
      'a = Parameter("a", default="x")',
      'b = Parameter("b", default=2)',
      'c = Parameter("c", type=float)',
      'd = Parameter("d", default=True)',
      'e = Parameter("e", type=JSONType, default=\'{"k": 1}\')',
      'f = Parameter(name="f-name", required=True, help="h", show_default=False)',
      'g = Parameter("g", type=int, default="3")',
    ])!;
    expect(read.map(withoutSource)).toEqual([
      { name: 'a', type: 'string', default: 'x' },
      { name: 'b', type: 'number', default: 2, integer: true },
      { name: 'c', type: 'number' },
      { name: 'd', type: 'boolean', default: true },
      { name: 'e', type: 'json', default: '{"k": 1}' },
      { name: 'f-name', type: 'string', required: true, help: 'h' },
      { name: 'g', type: 'number', default: 3, integer: true },
    ]);
    // flowWith puts the class body after the imports, a blank line, the class line and its docstring.
    expect(read.map((p) => p.source?.line)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(read[0].source?.file).toMatch(/flow_\d+\.py$/);
  });

  test('positional arguments are read in Metaflow\'s order: name, default, type, help, required', () => {
    const read = params(['alpha = Parameter("alpha", 0.5)', 'mode = Parameter("mode", "fast", str, "the mode", True)', 'n = Parameter("n", "3", int)'])!;
    expect(read.map(withoutSource)).toEqual([
      { name: 'alpha', type: 'number', default: 0.5 },
      { name: 'mode', type: 'string', default: 'fast', help: 'the mode', required: true },
      { name: 'n', type: 'number', default: 3, integer: true },
    ]);
    // click converts a default through the type: str of 5 is "5"
    expect(params(['s = Parameter("s", type=str, default=5)', 'b = Parameter("b", type=str, default=True)'])!.map((p) => p.default)).toEqual(['5', 'True']);
  });

  test("an int parameter (type=int, or an int default) takes whole numbers only; a float default, even 3.0, does not", () => {
    const read = params(['i = Parameter("i", default=3)', 'f = Parameter("f", default=3.0)', 'e = Parameter("e", type=float, default=3)', 'n = Parameter("n", type=int)'])!;
    expect(read.map((p) => [p.name, p.type, p.integer])).toEqual([['i', 'number', true], ['f', 'number', undefined], ['e', 'number', undefined], ['n', 'number', true]]);
  });

  test('a separator keeps the parameter a string (Metaflow splits it inside the task)', () => {
    const flow = importSource(flowWith({ imports: 'from metaflow import FlowSpec, step, Parameter', body: ['l = Parameter("l", separator=",", default="a,b,c")'] }));
    expect(flow.parameters!.map(withoutSource)).toEqual([{ name: 'l', type: 'string', default: 'a,b,c' }]);
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
