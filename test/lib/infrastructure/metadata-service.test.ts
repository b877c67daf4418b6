import { settingsProblems } from '../../../lib/graph/rules/resources';
import {
  DEFAULT_METADATA_SERVICE_IMAGE,
  METADATA_MIGRATION_COMMAND,
  backupRetentionProblems,
  databaseEngineProblems,
  endpointProblems,
  fargateSizeProblems,
  imageProblems,
  internalServiceUrl,
  metadataServiceEnvironment,
  passwordProblems,
  rotationIntervalProblems,
  scalingProblems,
  serviceUrlProblems,
  sourceCidrProblems,
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

  it.each(['registry.example:5000/image:v1', `repo/image@sha256:${'ab'.repeat(32)}`, '123456789012.dkr.ecr.eu-west-1.amazonaws.com/md:2.5.0'])('accepts %s', (image) => {
    expect(imageProblems('svc', image)).toEqual([]);
  });

  it('task bounds and Aurora capacity', () => {
    expect(scalingProblems('svc', { minTasks: 1, maxTasks: 4, minCapacity: 0, maxCapacity: 2 })).toEqual([]);
    const fields = scalingProblems('svc', { minTasks: 0, maxTasks: -1, minCapacity: 0.3, maxCapacity: 300 }).map((p) => p.field);
    expect(fields).toEqual(['minTasks', 'maxTasks', 'database.minCapacity', 'database.maxCapacity']);
    expect(scalingProblems('svc', { minTasks: 2, maxTasks: 1 }).map((p) => p.field)).toEqual(['maxTasks']);
    expect(scalingProblems('svc', { minTasks: 1, maxTasks: 1, minCapacity: 4, maxCapacity: 2 }).map((p) => p.field)).toEqual(['database.maxCapacity']);
  });

  it.each(['my image:v1', ''])('refuses the image name %j by the flow image rule, with the service\'s example', (image) => {
    const flowRule = settingsProblems({ image }, 'svc');
    expect(flowRule).toHaveLength(1);
    expect(imageProblems('svc', image)).toEqual([{ ...flowRule[0], fix: `e.g. "${DEFAULT_METADATA_SERVICE_IMAGE}" or an ECR image URI with a version tag` }]);
  });

  it.each([
    [256, 512], [256, 2048], [512, 1024], [512, 4096], [1024, 8192], [2048, 4096], [2048, 16384], [4096, 30720], [8192, 16384], [8192, 61440], [16384, 122880],
  ])('accepts Fargate cpu %d with %d MiB', (cpu, memory) => {
    expect(fargateSizeProblems('svc', cpu, memory)).toEqual([]);
  });

  it('refuses a cpu Fargate does not offer, naming the sizes and those for the memory', () => {
    expect(fargateSizeProblems('svc', 300, 1024)).toEqual([{
      where: 'svc',
      field: 'cpu',
      value: 300,
      message: 'Fargate has no task of this CPU size',
      fix: 'use one of 256, 512, 1024, 2048, 4096, 8192, 16384 (1024 = 1 vCPU); with 1024 MiB of memory: 256 or 512',
    }]);
  });

  it.each([
    [256, 8192, 'with cpu 256 Fargate takes a memory of 512, 1024 or 2048 MiB', 'set memory within that range (e.g. Size.mebibytes(512)), or set cpu to 1024, 2048 or 4096 for 8192 MiB'],
    [256, 1536, 'with cpu 256 Fargate takes a memory of 512, 1024 or 2048 MiB', 'set memory within that range (e.g. Size.mebibytes(512))'],
    [1024, 1024, 'with cpu 1024 Fargate takes a memory of 2048 to 8192 MiB in steps of 1024 MiB', 'set memory within that range (e.g. Size.gibibytes(2)), or set cpu to 256 or 512 for 1024 MiB'],
    [8192, 18432, 'with cpu 8192 Fargate takes a memory of 16384 to 61440 MiB in steps of 4096 MiB', 'set memory within that range (e.g. Size.gibibytes(16)), or set cpu to 4096 for 18432 MiB'],
  ])('refuses cpu %d with %d MiB, naming the memory range of the cpu', (cpu, memory, message, fix) => {
    expect(fargateSizeProblems('svc', cpu, memory)).toEqual([{ where: 'svc', field: 'memory', value: `${memory} MiB`, message, fix }]);
  });

  it.each([0, -5, 150, Number.NaN])('refuses a CPU target of %d percent', (targetCpuPercent) => {
    expect(scalingProblems('svc', { minTasks: 1, maxTasks: 4, targetCpuPercent })).toEqual([expect.objectContaining({
      field: 'targetCpuPercent',
      message: 'the average CPU utilization scaling keeps tasks at is a percentage from 1 to 100',
      fix: 'set e.g. 60',
    })]);
  });

  it.each([1, 60, 72.5, 100])('accepts a CPU target of %d percent', (targetCpuPercent) => {
    expect(scalingProblems('svc', { minTasks: 1, maxTasks: 4, targetCpuPercent })).toEqual([]);
  });

  it('operator ranges and API source ranges are real, named ranges', () => {
    expect(sourceCidrProblems('svc', 'operatorCidrs', ['10.0.0.0/8', '192.168.1.0/24'], '10.20.0.0/16')).toEqual([]);
    expect(sourceCidrProblems('svc', 'operatorCidrs', ['0.0.0.0/0', '10.0.0.0/33', 'office'], '10.20.0.0/16')).toEqual([
      expect.objectContaining({ field: 'operatorCidrs', value: '0.0.0.0/0', message: expect.stringContaining('every address') }),
      expect.objectContaining({ field: 'operatorCidrs', value: '10.0.0.0/33' }),
      expect.objectContaining({ field: 'operatorCidrs', value: 'office' }),
    ]);
    expect(sourceCidrProblems('svc', 'apiGateway.allowedSourceCidrs', ['nope'], '203.0.113.0/24')).toEqual([
      { where: 'svc', field: 'apiGateway.allowedSourceCidrs', value: 'nope', message: 'not an IPv4 CIDR block', fix: 'write ranges as e.g. "203.0.113.0/24"' },
    ]);
  });

  it('database options of one engine are refused with the other, naming which engine takes which', () => {
    expect(databaseEngineProblems('svc', { aurora: true, minCapacity: 0, maxCapacity: 4 })).toEqual([]);
    expect(databaseEngineProblems('svc', { aurora: false, instanceType: 't4g.medium', multiAz: false })).toEqual([]);
    expect(databaseEngineProblems('svc', { aurora: false, minCapacity: 0, maxCapacity: 4 })).toEqual([
      { where: 'svc', field: 'database.minCapacity', value: 0, message: 'minCapacity applies to the AURORA_SERVERLESS_V2 engine only; the RDS_POSTGRES engine ignores it and takes instanceType and multiAz', fix: 'remove minCapacity, or set engine: MetadataDatabaseEngine.AURORA_SERVERLESS_V2' },
      expect.objectContaining({ field: 'database.maxCapacity', value: 4 }),
    ]);
    expect(databaseEngineProblems('svc', { aurora: true, instanceType: 't4g.medium', multiAz: true })).toEqual([
      { where: 'svc', field: 'database.instanceType', value: 't4g.medium', message: 'instanceType applies to the RDS_POSTGRES engine only; the AURORA_SERVERLESS_V2 engine ignores it and takes minCapacity and maxCapacity (ACUs)', fix: 'remove instanceType, or set engine: MetadataDatabaseEngine.RDS_POSTGRES' },
      expect.objectContaining({ field: 'database.multiAz', value: true }),
    ]);
  });

  it('backup retention is 1 to 35 whole days', () => {
    const day = 86400;
    for (const days of [1, 7, 35]) expect(backupRetentionProblems('svc', days * day)).toEqual([]);
    expect(backupRetentionProblems('svc', 0)).toEqual([{ where: 'svc', field: 'database.backupRetention', value: '0 days', message: 'RDS and Aurora keep automated backups for 1 to 35 whole days', fix: 'set e.g. Duration.days(7)' }]);
    expect(backupRetentionProblems('svc', 36 * day)[0].value).toBe('36 days');
    expect(backupRetentionProblems('svc', 36 * 3600)[0].value).toBe('36 hours');
  });

  it('rotation is 4 hours to 1000 days in whole hours, or off', () => {
    const hour = 3600;
    for (const hours of [0, 4, 30 * 24, 1000 * 24]) expect(rotationIntervalProblems('svc', hours * hour)).toEqual([]);
    expect(rotationIntervalProblems('svc', 2 * hour)).toEqual([{
      where: 'svc',
      field: 'database.rotationInterval',
      value: '2 hours',
      message: 'Secrets Manager rotates a secret every 4 hours to 1000 days, in whole hours',
      fix: 'set e.g. Duration.days(30), or Duration.days(0) to turn rotation off',
    }]);
    expect(rotationIntervalProblems('svc', 2000 * 24 * hour)[0].value).toBe('2000 days');
    expect(rotationIntervalProblems('svc', 270 * 60)[0].value).toBe('16200 seconds');
  });

  it.each(['https://md.example/api/', 'http://internal-nlb.elb.eu-west-1.amazonaws.com/', 'http://10.0.0.5:8080', 'https://${Token[Api.Url.1]}', '${Token[Import.1]}'])('accepts the service URL %s', (url) => {
    expect(serviceUrlProblems('svc', 'url', url)).toEqual([]);
  });

  it('refuses an empty service URL, and one without a scheme', () => {
    const fix = 'give the full URL, e.g. "https://metadata.example.com/" (http:// for an internal load balancer)';
    expect(serviceUrlProblems('svc', 'url', '')).toEqual([{ where: 'svc', field: 'url', value: '', message: 'is empty, so the exported config would fall back to local metadata (METAFLOW_DEFAULT_METADATA=local)', fix }]);
    expect(serviceUrlProblems('svc', 'internalUrl', 'metadata.internal')).toEqual([{ where: 'svc', field: 'internalUrl', value: 'metadata.internal', message: 'a metadata service URL is http:// or https:// followed by the host', fix }]);
    expect(serviceUrlProblems('svc', 'url', 'ftp://md.example/')).toHaveLength(1);
    expect(serviceUrlProblems('svc', 'url', 'https://md example/')).toHaveLength(1);
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
