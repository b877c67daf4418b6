import { spawnSync } from 'child_process';
import { pythonJsonDumps, pythonStr, shlexQuote } from '../../../../lib/runtime/metaflow/python-format';

/** What Python itself prints for the same values. */
function python(code: string): string {
  return spawnSync('python3', ['-c', code], { encoding: 'utf-8' }).stdout.replace(/\n$/, '');
}

describe('Python text forms', () => {
  const value = { b: [1, 0.5, true, null], a: 'é "q"', n: { x: 'y' } };

  test('pythonJsonDumps equals json.dumps', () => {
    expect(pythonJsonDumps(value)).toBe(python(`import json; print(json.dumps(${JSON.stringify(value).replace(/true/g, 'True').replace(/null/g, 'None')}))`));
  });

  test('pythonStr equals str() of decorator attributes', () => {
    expect(pythonStr(true)).toBe('True');
    expect(pythonStr({ team: "o'k" })).toBe(python(`print(str({"team": "o'k"}))`));
    expect(pythonStr('plain')).toBe('plain');
    expect(pythonStr(['a', 1])).toBe(python("print(str(['a', 1]))"));
  });

  test.each(['batch:cpu=1,gpu=0', 'batch:aws_batch_tags={}', "it's", ''])('shlexQuote(%p) equals shlex.quote', (text) => {
    expect(shlexQuote(text)).toBe(python(`import shlex; print(shlex.quote(${JSON.stringify(text)}))`));
  });
});
