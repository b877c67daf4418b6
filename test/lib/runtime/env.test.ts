import { STEP_ENV, STEP_ENV_DOCS, expandInputPaths, parameterEnvName, taskRoot } from '../../../lib/runtime/env';
import { ENTRY_SCRIPT } from '../../../lib/runtime/entry-script';
import * as fs from 'node:fs';
import * as path from 'node:path';

describe('runtime env contract', () => {
  it('documents every variable a step code reads, once', () => {
    const documented = STEP_ENV_DOCS.map((d) => d.name);
    expect(new Set(documented).size).toBe(documented.length);
    const internal = new Set<string>([STEP_ENV.arrayParent, STEP_ENV.arrayOffset, STEP_ENV.arrayInputStep, STEP_ENV.parameterPrefix]);
    for (const name of Object.values(STEP_ENV)) {
      if (!internal.has(name)) expect(documented).toContain(name);
    }
  });

  it('computes in the entry script every variable documented as computed there', () => {
    for (const doc of STEP_ENV_DOCS.filter((d) => d.source === 'entry-script')) expect(ENTRY_SCRIPT).toContain(`${doc.name}=`);
  });

  it('names parameter variables the way Metaflow upper-snakes them', () => {
    expect(parameterEnvName('num-items')).toBe('MF_PARAM_NUM_ITEMS');
    expect(parameterEnvName('alpha')).toBe('MF_PARAM_ALPHA');
  });

  it('expands a join input `<step>/<id>-*` to MF_SPLIT_WIDTH tasks', () => {
    expect(expandInputPaths('')).toEqual([]);
    expect(expandInputPaths('a/1,b/1')).toEqual(['a/1', 'b/1']);
    expect(expandInputPaths('sq/1-*', 3)).toEqual(['sq/1-0', 'sq/1-1', 'sq/1-2']);
    expect(expandInputPaths('sq/1-4-*', 0)).toEqual([]);
  });

  it('roots a task at <root>/<flow>/<run>/<step>/<task>', () => {
    expect(taskRoot('s3://b/p/', 'F', 'sfn-1', 's', '1-2')).toBe('s3://b/p/F/sfn-1/s/1-2');
  });
});

describe('docs/flows.md runtime contract', () => {
  it('documents every variable of the table', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../../docs/flows.md'), 'utf8');
    const start = readme.indexOf('## The runtime contract of a generic step');
    expect(start).toBeGreaterThan(-1);
    const text = readme.slice(start, readme.indexOf('\n## ', start + 1));
    for (const doc of STEP_ENV_DOCS) expect(text).toContain(`\`${doc.name}\``);
  });
});
