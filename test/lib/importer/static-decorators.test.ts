import * as fs from 'fs';
import * as path from 'path';
import { staticBatchSteps, staticStepDecorators } from '../../../lib/importer/static-decorators';
import { writeFlow } from './import-source';
import { METAFLOW_FIXTURES } from '../../support/fixtures';

const FIXTURES = METAFLOW_FIXTURES;

describe.each(fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, 'graph.json'))))('static decorators of %s', (dir) => {
  test('are the decorators Metaflow lists per step', () => {
    const graph = JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'graph.json'), 'utf-8')) as { nodes: Record<string, { decorators: string[] }> };
    const ours = staticStepDecorators(path.join(FIXTURES, dir, 'flow.py'));
    for (const [step, node] of Object.entries(graph.nodes)) expect({ step, decorators: [...ours[step]].sort() }).toEqual({ step, decorators: [...node.decorators].sort() });
    expect(staticBatchSteps(path.join(FIXTURES, dir, 'flow.py')).sort()).toEqual(Object.keys(graph.nodes).filter((s) => graph.nodes[s].decorators.includes('batch')).sort());
  });
});

test('a file with a syntax error is refused', () => {
  expect(() => staticStepDecorators(writeFlow('class F(:\n'))).toThrow(/syntax/);
});
