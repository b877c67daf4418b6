import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError } from '../../../../lib/cli/cli-error';
import { serveLocalMetadata } from '../../../../lib/cli/commands/local-metadata';

describe('local-metadata serve: bad input', () => {
  const saved = process.env.MFCDK_METADATA_SERVICE_SRC;
  afterEach(() => {
    if (saved === undefined) delete process.env.MFCDK_METADATA_SERVICE_SRC;
    else process.env.MFCDK_METADATA_SERVICE_SRC = saved;
  });

  test('a folder that is no kept run is named first, with where to find one, even without the service source', async () => {
    delete process.env.MFCDK_METADATA_SERVICE_SRC;
    const notARun = fs.mkdtempSync(path.join(os.tmpdir(), 'not-a-run-'));
    const refused = serveLocalMetadata(notARun, {}, Promise.resolve());
    await expect(refused).rejects.toBeInstanceOf(CliError);
    await expect(refused).rejects.toThrow(`${notARun} holds no kept metadata (metadata-service/pgdata): give the run directory (<run root>/<flow>/<run id>, printed when the run starts)`);
  });

  test('without the service source, the message names the option and the variable, not a flag of another command', async () => {
    delete process.env.MFCDK_METADATA_SERVICE_SRC;
    const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-run-'));
    fs.mkdirSync(path.join(kept, 'metadata-service', 'pgdata'), { recursive: true });
    fs.writeFileSync(path.join(kept, 'metadata-service', 'pgdata', 'PG_VERSION'), '15');
    fs.writeFileSync(path.join(kept, 'metadata-service', 'browse.json'), '{}');
    await expect(serveLocalMetadata(kept, {}, Promise.resolve())).rejects.toThrow(
      /^Metaflow's metadata service runs here from its source: pass --metadata-service-src <dir> or set MFCDK_METADATA_SERVICE_SRC/,
    );
  });
});
