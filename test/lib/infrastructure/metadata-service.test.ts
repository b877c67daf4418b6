import {
  DEFAULT_METADATA_SERVICE_IMAGE,
  METADATA_MIGRATION_COMMAND,
  endpointProblems,
  imageProblems,
  internalServiceUrl,
  metadataServiceEnvironment,
  operatorCidrProblems,
  passwordProblems,
  scalingProblems,
  subnetPlacementProblems,
} from '../../../lib/infrastructure/metadata-service';

describe('metadata service settings', () => {
  it('the default image is pinned to a version tag and passes its own rule', () => {
    expect(DEFAULT_METADATA_SERVICE_IMAGE).toMatch(/^netflixoss\/metaflow_metadata_service:v\d+\.\d+\.\d+$/);
    expect(imageProblems('svc', DEFAULT_METADATA_SERVICE_IMAGE)).toEqual([]);
  });

  it('environment names the database but holds no credential', () => {
    const env = metadataServiceEnvironment({ host: 'db.internal', port: '5432', name: 'metaflow' });
    expect(env).toMatchObject({ MF_METADATA_DB_HOST: 'db.internal', MF_METADATA_DB_PORT: '5432', MF_METADATA_DB_NAME: 'metaflow', MF_METADATA_DB_SSL_MODE: 'require', MF_METADATA_PORT: '8080' });
    expect(Object.keys(env).filter((k) => /PSWD|USER|PASSWORD/.test(k))).toEqual([]);
  });

  it('the migration runs goose through the image\'s run_goose.py and waits for the database', () => {
    expect(METADATA_MIGRATION_COMMAND).toEqual(['/opt/latest/bin/python3', '/root/run_goose.py', '--wait', '300']);
    expect(internalServiceUrl('nlb.example')).toBe('http://nlb.example/');
  });
});

describe('metadata service rules', () => {
  it.each([
    ['repo/image:latest', 'latest'],
    ['repo/image', 'without a tag'],
    ['registry.example:5000/image', 'without a tag'],
  ])('refuses %s', (image, message) => {
    expect(imageProblems('svc', image)).toEqual([expect.objectContaining({ field: 'image', value: image, message: expect.stringContaining(message), fix: expect.stringContaining(DEFAULT_METADATA_SERVICE_IMAGE) })]);
  });

  it.each(['registry.example:5000/image:v1', 'repo/image@sha256:abc', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/md:2.5.0'])('accepts %s', (image) => {
    expect(imageProblems('svc', image)).toEqual([]);
  });

  it('task bounds and Aurora capacity', () => {
    expect(scalingProblems('svc', { minTasks: 1, maxTasks: 4, minCapacity: 0, maxCapacity: 2 })).toEqual([]);
    const fields = scalingProblems('svc', { minTasks: 0, maxTasks: -1, minCapacity: 0.3, maxCapacity: 300 }).map((p) => p.field);
    expect(fields).toEqual(['minTasks', 'maxTasks', 'database.minCapacity', 'database.maxCapacity']);
    expect(scalingProblems('svc', { minTasks: 2, maxTasks: 1 }).map((p) => p.field)).toEqual(['maxTasks']);
    expect(scalingProblems('svc', { minTasks: 1, maxTasks: 1, minCapacity: 4, maxCapacity: 2 }).map((p) => p.field)).toEqual(['database.maxCapacity']);
  });

  it('operator ranges are real, named ranges', () => {
    expect(operatorCidrProblems('svc', ['10.0.0.0/8', '192.168.1.0/24'])).toEqual([]);
    expect(operatorCidrProblems('svc', ['0.0.0.0/0', '10.0.0.0/33', 'office'])).toEqual([
      expect.objectContaining({ value: '0.0.0.0/0', message: expect.stringContaining('every address') }),
      expect.objectContaining({ value: '10.0.0.0/33' }),
      expect.objectContaining({ value: 'office' }),
    ]);
  });

  it('subnets: none, or public ones, are refused with the fix', () => {
    expect(subnetPlacementProblems('svc', { selected: 2, publicSubnetIds: [] })).toEqual([]);
    expect(subnetPlacementProblems('svc', { selected: 0, publicSubnetIds: [] })[0].message).toContain('no private subnets');
    expect(subnetPlacementProblems('svc', { selected: 2, publicSubnetIds: ['subnet-1'] })[0]).toMatchObject({ value: ['subnet-1'], fix: expect.stringContaining('PRIVATE_WITH_EGRESS') });
  });

  it('a public endpoint needs its key', () => {
    expect(endpointProblems('svc', { apiGateway: false, apiKey: false })).toEqual([]);
    expect(endpointProblems('svc', { apiGateway: true, apiKey: true })).toEqual([]);
    expect(endpointProblems('svc', { apiGateway: true, apiKey: false })).toEqual([expect.objectContaining({ field: 'apiGateway.apiKeyRequired', fix: expect.stringContaining('keep apiKeyRequired') })]);
  });

  it('passwords: secrets pass, plain text and bare references do not', () => {
    expect(passwordProblems('svc', 'secret')).toEqual([]);
    expect(passwordProblems('svc', 'plain-text')[0]).toMatchObject({ field: 'database.credentials', fix: expect.stringContaining('Credentials.fromSecret') });
    expect(passwordProblems('svc', 'reference-without-secret')[0].fix).toContain('Credentials.fromSecret');
  });
});
