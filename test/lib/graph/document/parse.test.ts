import { closestField, documentShapeProblems, parseFlowDocument, parseFlowDocumentJson } from '../../../../lib/graph/document';
import { ValidationError } from '../../../../lib/errors';

function problemsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

describe('parseFlowDocument', () => {
  it('returns the normalized document (next defaults to [])', () => {
    const doc = parseFlowDocument({ steps: [{ next: ['end'], name: 'start' }, { name: 'end' }], name: 'F', version: 1 });
    expect(doc).toEqual({ version: 1, name: 'F', steps: [{ name: 'start', next: ['end'] }, { name: 'end', next: [] }] });
    expect(Object.keys(doc)).toEqual(['version', 'name', 'steps']);
  });

  it('reports every shape problem at once, relative to the step, with a did-you-mean', () => {
    const problems = problemsOf(() =>
      parseFlowDocument({ version: 1, name: 'F', schedule: { cron: 5 }, steps: [{ name: 'start', next: 'end', memroy: 3 }, { name: 'end', cpu: '2' }] }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ where: 'flow "F" step "start"', field: 'memroy', value: 3, message: 'unknown field', fix: 'did you mean "memory"?' }),
        expect.objectContaining({ where: 'flow "F" step "start"', field: 'next', value: 'end', message: 'must be of type array', fix: 'write an array' }),
        expect.objectContaining({ where: 'flow "F" step "end"', field: 'cpu', value: '2' }),
        expect.objectContaining({ where: 'flow "F"', field: 'schedule.cron', value: 5 }),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('reports a missing field and a bad runtime once each', () => {
    const problems = problemsOf(() => parseFlowDocument({ version: 1, steps: [], runtime: { kind: 'python' } }, 'x.json'));
    expect(problems.map((p) => [p.where, p.field])).toEqual(expect.arrayContaining([['x.json', 'name'], ['x.json', 'runtime']]));
    expect(problems.filter((p) => p.field === 'runtime')).toHaveLength(1);
  });

  it('leaves range and name rules to validateFlow (better messages there)', () => {
    expect(documentShapeProblems({ version: 1, name: 'F', steps: [{ name: 'Bad', next: [], retry: { times: 9 } }] })).toEqual([]);
  });

  it('refuses a non-object document', () => {
    expect(problemsOf(() => parseFlowDocument([1, 2], 'x.json'))[0]).toMatchObject({ where: 'x.json', field: '(document)', message: 'must be of type object' });
  });
});

describe('closestField', () => {
  it('suggests the allowed field a misspelling is closest to, and aliases from other tools', () => {
    const allowed = ['memory', 'cpu', 'gpu', 'timeoutSeconds', 'retry', 'environment', 'sharedMemory'];
    expect(closestField('memroy', allowed)).toBe('memory');
    expect(closestField('CPU', allowed)).toBe('cpu');
    expect(closestField('gpus', allowed)).toBe('gpu');
    expect(closestField('timeout', allowed)).toBe('timeoutSeconds');
    expect(closestField('env', allowed)).toBe('environment');
    expect(closestField('banana', allowed)).toBeUndefined();
    expect(closestField('ab', ['cd'])).toBeUndefined();
  });

  it('suggests fields of the object the unknown one sits in (a step, the schedule)', () => {
    const problems = problemsOf(() => parseFlowDocument({ version: 1, name: 'F', schedule: { timezon: 'UTC' }, steps: [{ name: 'end', forech: 'xs' }] }));
    expect(problems.map((p) => p.fix).sort()).toEqual(['did you mean "foreach"?', 'did you mean "timezone"?']);
  });
});

describe('parseFlowDocumentJson', () => {
  it('turns invalid JSON into a ValidationError naming the file, line and column', () => {
    const [problem] = problemsOf(() => parseFlowDocumentJson('{\n  "version": 1,\n  "name": "F",\n}\n', 'flow.json'));
    expect(problem).toMatchObject({ where: 'flow.json:4:1', field: '(json)', value: '}' });
    expect(problem.message).toMatch(/^is not valid JSON: \S/);
    expect(problem.message).not.toMatch(/position/);
  });

  it('reads a document that starts with a byte order mark', () => {
    expect(parseFlowDocumentJson('\uFEFF{"version": 1, "name": "F", "steps": [{"name": "start", "next": ["end"]}, {"name": "end"}]}').name).toBe('F');
  });

  it('names the token, on one line, where the parser gives no position', () => {
    const [problem] = problemsOf(() => parseFlowDocumentJson('{\n  "version": 1,\n  "name": F\n}\n', 'flow.json'));
    expect(problem).toEqual({
      where: 'flow.json', field: '(json)', value: 'F', message: "is not valid JSON: Unexpected token 'F'",
      fix: 'fix the JSON syntax at that token (a missing quote, a bare word, a comment)',
    });
  });

  it('places truncated JSON at its end', () => {
    const [problem] = problemsOf(() => parseFlowDocumentJson('{"version": 1,', 'flow.json'));
    expect(problem.where).toBe('flow.json:1:15');
  });

  it('parses a JSON text', () => {
    expect(parseFlowDocumentJson('{"version":1,"name":"F","steps":[{"name":"start","next":["end"]},{"name":"end"}]}').steps).toHaveLength(2);
  });
});
