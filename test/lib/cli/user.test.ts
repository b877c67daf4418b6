import { currentUser } from '../../../lib/cli/user';

describe('currentUser', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('METAFLOW_USER, then USER, then the OS account', () => {
    process.env.METAFLOW_USER = 'mf';
    process.env.USER = 'u';
    expect(currentUser()).toBe('mf');
    delete process.env.METAFLOW_USER;
    expect(currentUser()).toBe('u');
    delete process.env.USER;
    delete process.env.USERNAME;
    expect(currentUser().length).toBeGreaterThan(0);
  });
});
