import { SAFE_SYSROOT_SUBPREFIXES, validateExpiry, validateKeyPrefix } from '../../../lib/infrastructure/datastore-rules';

describe('validateKeyPrefix', () => {
  it.each(['metaflow', 'teams/ml/metaflow', "a-b_c.d!e*f'g(h)"])('accepts %p', (prefix) => {
    expect(validateKeyPrefix('S/Datastore', 'rootPrefix', prefix)).toEqual([]);
  });

  it.each(['', '/metaflow', 'metaflow/', 'a//b', 'a/../b', 'has space', 'ümlaut', 'a?b'])('refuses %p as not a valid S3 key prefix', (prefix) => {
    const found = validateKeyPrefix('S/Datastore', 'rootPrefix', prefix);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ where: 'S/Datastore', field: 'rootPrefix', value: prefix });
    expect(found[0].fix).toContain('without a leading or trailing slash');
  });

  it('refuses an overlong prefix', () => {
    expect(validateKeyPrefix('S', 'rootPrefix', 'a'.repeat(513))[0].message).toContain('longer than 512');
  });
});

describe('validateExpiry', () => {
  it('allows scratch prefixes under the sysroot and prefixes outside it', () => {
    expect(validateExpiry('S', 'metaflow', [
      { prefix: `metaflow/${SAFE_SYSROOT_SUBPREFIXES.distributedMapOutput}`, days: 30 },
      { prefix: 'tmp', days: 1 },
      { prefix: 'metaflow-scratch', days: 7 },
    ])).toEqual([]);
  });

  it.each(['metaflow', 'metaflow/MyFlow/data', 'teams'])('refuses expiry of %p, which holds content-addressed artifacts', (prefix) => {
    const found = validateExpiry('S', prefix === 'teams' ? 'teams/ml' : 'metaflow', [{ prefix, days: 30 }]);
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain('content-addressed artifacts');
    expect(found[0].field).toBe('expiringPrefixes[0].prefix');
  });

  it('refuses expiry shorter than a day', () => {
    expect(validateExpiry('S', 'metaflow', [{ prefix: 'tmp', days: 0 }])[0].field).toBe('expiringPrefixes[0].expiration');
  });

  it('refuses an invalid expiry prefix', () => {
    expect(validateExpiry('S', 'metaflow', [{ prefix: '/tmp/', days: 3 }])[0].message).toBe('not a valid S3 key prefix');
  });
});
