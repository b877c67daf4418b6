import * as fs from 'fs';
import * as path from 'path';
import * as net from 'net';
import * as os from 'os';
import { serveKeptRun } from '../../lib/local/services/metadata/browse';
import { resolveMetadataServiceSetup, type MetadataServiceSetup } from '../../lib/local/services/metadata/config';
import { answers } from '../../lib/local/services/metadata/processes';
import type { LocalAssembly } from '../../lib/local/template/assembly';
import { doc, printedResult, run, step, synthesize } from '../e2e/harness';
import { survivors } from '../lib/local/fixtures/processes';
import { describeWithMetadataService } from '../support/real-metaflow';

// `run --local --metadata-service` as the engine runs it, with generic steps (no Metaflow in the tasks): the service
// starts, every task is pointed at it, it stops with the run leaving nothing behind, and a service that stops
// answering fails the run with that reason instead of hanging it.

const PING = [process.execPath, '-e', [
  'const e = process.env;',
  'fetch(e.METAFLOW_SERVICE_URL + "/ping").then((r) => r.text()).then((pong) =>',
  '  console.log("RESULT " + JSON.stringify({ pong, metadata: e.METAFLOW_DEFAULT_METADATA, url: e.METAFLOW_SERVICE_URL })));',
].join('\n')];

describeWithMetadataService('the local metadata service of run --local', (real) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-mdservice-'));
  let setup: MetadataServiceSetup;
  let assembly: LocalAssembly;
  beforeAll(() => {
    setup = resolveMetadataServiceSetup({ src: real().metadataServiceSrc, python: real().python });
    assembly = synthesize([
      { flow: doc('PingFlow', [step('start', ['end'], PING), step('end', [], ['true'])]) },
      { flow: doc('SlowFlow', [step('start', ['end'], ['sleep', '120']), step('end', [], ['true'])]) },
    ]).assembly;
  }, 120_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('every task gets the service as its metadata provider; the run stops it and removes its database', async () => {
    let started: { url?: string; runDir: string; pids: { postgres: number; service: number } } | undefined;
    const result = await run(assembly, 'PingFlow', path.join(work, 'ping'), {
      metadataService: { setup },
      onStart: (r) => (started = { url: r.metadataServiceUrl, runDir: r.runDir, pids: servicePids(r.runDir) }),
    });
    expect({ status: result.status, cause: result.cause }).toEqual({ status: 'SUCCEEDED', cause: undefined });
    expect(printedResult(result, 'start')).toEqual({ pong: expect.stringContaining('pong'), metadata: 'service', url: started?.url });
    const dir = path.join(started!.runDir, 'metadata-service');
    expect(await answers(`${started!.url}/ping`, 1000)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'pgdata'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'postgres.log'))).toBe(true);
    expect(await survivors([started!.pids.postgres, started!.pids.service])).toEqual([]);
  }, 120_000);

  test('a service that stops answering fails the run with that reason within the bound, and nothing is left running', async () => {
    let pids: number[] = [];
    let url = '';
    const started = Date.now();
    const result = await run(assembly, 'SlowFlow', path.join(work, 'stall'), {
      metadataService: { setup, answerTimeoutMs: 3000 },
      onStart: (r) => {
        url = r.metadataServiceUrl!;
        const { postgres, service } = servicePids(r.runDir);
        pids = [postgres, service];
        process.kill(service, 'SIGSTOP'); // alive, listening, never answering
      },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('MetadataService.Unavailable');
    expect(result.cause).toMatch(new RegExp(`the local metadata service at ${url} did not answer /ping for 3 s`));
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await survivors(pids)).toEqual([]);
  }, 120_000);

  test("a kept run is served again at the URL its tasks used (pickled client objects name it), else at another", async () => {
    let url = '';
    const result = await run(assembly, 'PingFlow', path.join(work, 'kept'), { metadataService: { setup, keep: true }, onStart: (r) => (url = r.metadataServiceUrl!) });
    expect(result.status).toBe('SUCCEEDED');
    const again = await serveKeptRun(result.runDir, setup);
    try {
      expect(again.env.METAFLOW_SERVICE_URL).toBe(url);
    } finally {
      await again.stop();
    }
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(Number(new URL(url).port), '127.0.0.1', resolve));
    try {
      const elsewhere = await serveKeptRun(result.runDir, setup);
      await elsewhere.stop();
      expect(elsewhere.env.METAFLOW_SERVICE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(elsewhere.env.METAFLOW_SERVICE_URL).not.toBe(url);
    } finally {
      taken.close();
    }
  }, 240_000);
});

/** The pids of PostgreSQL's postmaster and of the service, as the run records them in its folder. */
function servicePids(runDir: string): { postgres: number; service: number } {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'metadata-service', 'pids.json'), 'utf-8'));
}
