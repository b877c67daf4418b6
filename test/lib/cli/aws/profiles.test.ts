import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertProfileExists, configuredProfiles } from '../../../../lib/cli/aws/profiles';

describe('AWS profiles', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-profiles-'));
  const env = { AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials') };
  beforeAll(() => {
    fs.writeFileSync(env.AWS_CONFIG_FILE, '[default]\nregion = eu-west-1\n\n[profile ops]\nsso_session = corp\n\n[sso-session corp]\nsso_region = eu-west-1\n');
    fs.writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, '[ci]\naws_access_key_id = x\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('lists the profiles of both shared files, not sso-session sections', () => {
    expect(configuredProfiles(env)).toEqual(['ci', 'default', 'ops']);
  });

  test('accepts a declared profile, or none selected', () => {
    expect(() => assertProfileExists('ops', env)).not.toThrow();
    expect(() => assertProfileExists(undefined, { ...env, AWS_PROFILE: 'ci' })).not.toThrow();
    expect(() => assertProfileExists(undefined, env)).not.toThrow();
  });

  test('refuses an unknown profile from --profile or AWS_PROFILE, naming the ones that exist and how to create it', () => {
    expect(() => assertProfileExists('nope', env)).toThrow(
      `the AWS profile "nope" is not in ${env.AWS_CONFIG_FILE} or ${env.AWS_SHARED_CREDENTIALS_FILE} (profiles there: ci, default, ops). ` +
        'Create it with `aws configure --profile nope` or `aws configure sso --profile nope`, or name another with --profile.',
    );
    expect(() => assertProfileExists(undefined, { ...env, AWS_PROFILE: 'sso-session corp' })).toThrow(/"sso-session corp" is not in/);
  });

  test('says so when there are no shared files at all', () => {
    const none = { AWS_CONFIG_FILE: path.join(dir, 'absent-config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'absent-credentials') };
    expect(() => assertProfileExists('ops', none)).toThrow(/\(no profiles there\)/);
  });
});
