import * as constructModules from '../constructs';
import * as root from '../index';
import * as security from '../lib/stacks/security-checks';

const isClass = (value: unknown): boolean => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
const isStringEnum = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');

describe('the package root', () => {
  const names = Object.keys(root).sort();

  test('exports of the construct modules: construct classes and enums only, no wiring helper or constant', () => {
    const fromConstructs = names.filter((name) => name in constructModules);
    expect(fromConstructs).toContain('MetaflowFlow');
    const values = root as unknown as Record<string, unknown>;
    expect(fromConstructs.filter((name) => !isClass(values[name]) && !isStringEnum(values[name]))).toEqual([]);
    expect(names).not.toContain('acknowledgeWildcardResource');
  });

  test('its runtime exports are the recorded public API (a change here is an API change: update CHANGELOG.md)', () => {
    expect(names).toMatchSnapshot();
  });
});

test('metaflow-cdk/security exports the acknowledgements for apps that run its checks', () => {
  expect(Object.keys(security).sort()).toEqual(['acknowledgeGuardRule', 'acknowledgeWildcardAction', 'acknowledgeWildcardResource', 'applySecurityChecks']);
});
