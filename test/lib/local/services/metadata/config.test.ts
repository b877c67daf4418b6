import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  findPostgresBin,
  metaflowClientEnv,
  metaflowServiceEnv,
  MetadataServiceError,
  resolveMetadataServiceSetup,
  resolveServiceSource,
  serviceProcessEnv,
  serviceVersion,
} from '../../../../../lib/local/services/metadata/config';
import { socketDirFor } from '../../../../../lib/local/services/metadata/postgres';
import { wrapped } from '../../../../../lib/local/services/metadata/processes';
import { checkNoServiceNeeded, datastoreRootOf, envValueIn, usesMetadataService } from '../../../../../lib/local/services/metadata/run-hook';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-mdconfig-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function fakeServiceTree(): string {
  const src = path.join(work, `service-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(path.join(src, 'services', 'metadata_service'), { recursive: true });
  fs.writeFileSync(path.join(src, 'services', 'metadata_service', 'server.py'), '');
  fs.writeFileSync(path.join(src, 'setup.py'), 'setup(\n    name="metadata_service",\n    version="2.5.1",\n)\n');
  return src;
}

function fakePostgresBin(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const tool of ['initdb', 'postgres', 'psql', 'pg_isready']) fs.writeFileSync(path.join(dir, tool), '');
  return dir;
}

describe('the service source', () => {
  test('absent: the error names the option, the variable and what the folder holds', () => {
    const error = (() => {
      try {
        resolveServiceSource(undefined, {});
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(MetadataServiceError);
    expect(error.message).toMatch(/--metadata-service-src <dir>.*MFCDK_METADATA_SERVICE_SRC.*services\/metadata_service/);
  });

  test('the option wins over the variable; a folder without the service is refused by path', () => {
    const src = fakeServiceTree();
    expect(resolveServiceSource(src, { MFCDK_METADATA_SERVICE_SRC: '/nowhere' })).toBe(src);
    expect(resolveServiceSource(undefined, { MFCDK_METADATA_SERVICE_SRC: src })).toBe(src);
    expect(() => resolveServiceSource(work, {})).toThrow(`${work} is not a metaflow-service source tree`);
  });

  test("the version comes from setup.py (the dist-info the service reads at import)", () => {
    expect(serviceVersion('setup(name="metadata_service", version="2.5.1")')).toBe('2.5.1');
    expect(serviceVersion(undefined)).toBe('0.0.0');
  });
});

describe('PostgreSQL binaries', () => {
  test("the highest Debian version with every tool, else PATH; the variable wins", () => {
    const root = path.join(work, 'pg-debian');
    fakePostgresBin(path.join(root, '13', 'bin'));
    fakePostgresBin(path.join(root, '15', 'bin'));
    fs.mkdirSync(path.join(root, '16', 'bin'), { recursive: true }); // incomplete
    expect(findPostgresBin({}, root)).toBe(path.join(root, '15', 'bin'));
    const onPath = fakePostgresBin(path.join(work, 'pg-path'));
    expect(findPostgresBin({ PATH: `/nothing:${onPath}` }, path.join(work, 'none'))).toBe(onPath);
    const given = fakePostgresBin(path.join(work, 'pg-given'));
    expect(findPostgresBin({ MFCDK_POSTGRES_BIN: given }, root)).toBe(given);
  });

  test('missing: the error says how to install it', () => {
    expect(() => findPostgresBin({ PATH: '' }, path.join(work, 'none'))).toThrow(/apt-get install postgresql.*MFCDK_POSTGRES_BIN/);
    expect(() => findPostgresBin({ MFCDK_POSTGRES_BIN: work }, path.join(work, 'none'))).toThrow(`MFCDK_POSTGRES_BIN=${work} lacks`);
  });

  test('a missing interpreter is refused with the option that sets it', () => {
    const src = fakeServiceTree();
    expect(() => resolveMetadataServiceSetup({ src, python: path.join(work, 'no-python') }, { MFCDK_POSTGRES_BIN: fakePostgresBin(path.join(work, 'pg-ok')) })).toThrow(/--python/);
    expect(resolveMetadataServiceSetup({ src, python: process.execPath }, { MFCDK_POSTGRES_BIN: path.join(work, 'pg-ok') })).toEqual({
      src,
      python: process.execPath,
      postgresBin: path.join(work, 'pg-ok'),
      version: '2.5.1',
    });
  });
});

describe('variables', () => {
  test('tasks use the service as their metadata provider', () => {
    expect(metaflowServiceEnv('http://127.0.0.1:5000')).toEqual({
      METAFLOW_SERVICE_URL: 'http://127.0.0.1:5000',
      METAFLOW_DEFAULT_METADATA: 'service',
      METAFLOW_SERVICE_HEADERS: '{}',
    });
  });

  test('the service listens on loopback only, on the ports given', () => {
    const env = serviceProcessEnv({ port: 5432 }, { port: 8081 });
    expect(env).toEqual(expect.objectContaining({ MF_METADATA_HOST: '127.0.0.1', MF_METADATA_PORT: '8081', MF_METADATA_DB_HOST: '127.0.0.1', MF_METADATA_DB_PORT: '5432' }));
  });

  test("the client gets the service and the local S3 of the run's artifacts", () => {
    expect(metaflowClientEnv({ serviceUrl: 'http://127.0.0.1:1', s3Endpoint: 'http://127.0.0.1:2', datastoreRoot: 's3://b/metaflow' })).toEqual(
      expect.objectContaining({ METAFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:2', METAFLOW_DATASTORE_SYSROOT_S3: 's3://b/metaflow', METAFLOW_DEFAULT_DATASTORE: 's3', METAFLOW_DEFAULT_METADATA: 'service' }),
    );
  });

  test("the datastore root is read from the definition's container overrides", () => {
    const definition = { States: { a: { Parameters: { ContainerOverrides: { Environment: [{ Name: 'X', Value: '1' }, { Name: 'METAFLOW_DATASTORE_SYSROOT_S3', Value: 's3://b/mf' }] } } } } };
    expect(envValueIn(definition, 'METAFLOW_DATASTORE_SYSROOT_S3')).toBe('s3://b/mf');
    expect(envValueIn(definition, 'MISSING')).toBeUndefined();
  });

  test('a Metaflow flow keeps the datastore root in its job definitions, where the run looks for it too', () => {
    const definition = JSON.stringify({ States: { start: { Parameters: { JobDefinition: 'arn:jd', ContainerOverrides: { Environment: [{ Name: 'MF_PATHSPEC', Value: 'x' }] } } } } });
    const jobDefinition = JSON.stringify({ ContainerProperties: { Environment: [{ Name: 'METAFLOW_DATASTORE_SYSROOT_S3', Value: 's3://bucket/metaflow' }] } });
    expect(datastoreRootOf([definition, jobDefinition])).toBe('s3://bucket/metaflow');
    expect(datastoreRootOf([definition])).toBeUndefined();
  });
});

describe('server processes', () => {
  test('as root PostgreSQL runs as the postgres user; a parent-death signal ends servers with the run', () => {
    expect(wrapped(['postgres', '-D', 'x'], { user: 'postgres', deathSignal: 'SIGINT' })).toEqual([
      'setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--pdeathsig=INT', '--', 'postgres', '-D', 'x',
    ]);
    expect(wrapped(['python3'], {})).toEqual(['python3']);
  });

  test('a socket directory whose socket path would not fit Linux\'s 107 bytes is left out (TCP only)', () => {
    expect(socketDirFor('/tmp/run/metadata-service/socket')).toBe('/tmp/run/metadata-service/socket');
    expect(socketDirFor(`/tmp/${'x'.repeat(100)}/socket`)).toBe('');
  });
});

describe('flows compiled for a metadata service', () => {
  const job = (provider: string): string => JSON.stringify({ ContainerProperties: { Environment: [{ Name: 'METAFLOW_DEFAULT_METADATA', Value: provider }] } });

  test('are found by the provider their jobs name', () => {
    expect(usesMetadataService([JSON.stringify({ States: {} }), job('service')])).toBe(true);
    expect(usesMetadataService([job('local')])).toBe(false);
  });

  test('run locally only with --metadata-service: the refusal names the flow and the flag', () => {
    expect(() => checkNoServiceNeeded('ParallelFlow', [job('service')])).toThrow(/flow ParallelFlow registers its runs with a Metaflow metadata service.*add --metadata-service/);
    expect(() => checkNoServiceNeeded('LinearFlow', [job('local')])).not.toThrow();
  });
});
