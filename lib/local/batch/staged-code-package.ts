import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';
import { ValidationError } from '../../errors';
import type { LocalFileAsset } from '../template/assembly';

/** Folders holding an unpacked code package, by archive path: each archive is unpacked once per process. */
const unpacked = new Map<string, string>();
/** sha1 of staged archives, by path and size. */
const archiveShas = new Map<string, string>();

process.once('exit', () => {
  for (const dir of unpacked.values()) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The files of a staged tgz code package (`MetaflowFlow`'s, Metaflow's layout), unpacked into a temporary folder on
 * first use and reused until the process exits, when it is removed.
 */
export function unpackedCodePackage(archive: string, where: string): string {
  const known = unpacked.get(archive);
  if (known !== undefined) return known;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-code-'));
  try {
    tar.x({ file: archive, cwd: dir, sync: true, strict: true });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new ValidationError([{
      where, field: 'code package', value: archive,
      message: `cannot be unpacked (${(error as Error).message})`,
      fix: 'synthesize the app again: the staged asset is damaged',
    }]);
  }
  unpacked.set(archive, dir);
  return dir;
}

/** The folder of the files of a code package asset: a staged directory (a zip asset) as is, a tgz unpacked. */
export function codePackageDirOf(asset: LocalFileAsset, where: string): string | undefined {
  if (asset.packaging === 'zip') return asset.source;
  return /\.(tgz|tar\.gz)$/.test(asset.source) && fs.existsSync(asset.source) ? unpackedCodePackage(asset.source, where) : undefined;
}

function sha1Of(file: string): string {
  const key = `${file}:${fs.statSync(file).size}`;
  let sha = archiveShas.get(key);
  if (sha === undefined) {
    sha = createHash('sha1').update(fs.readFileSync(file)).digest('hex');
    archiveShas.set(key, sha);
  }
  return sha;
}

/**
 * The code package of a Metaflow step as `cdk synth` staged it, found by the job's `METAFLOW_CODE_SHA`: the tgz whose
 * sha1 it is (`asset.<asset hash>.tgz`, unpacked), or a directory asset named after it (`asset.<sha>`, the `zip`
 * format).
 */
export function stagedCodePackage(assemblyDirectory: string, env: Readonly<Record<string, string>>, step: string): string {
  const sha = env.METAFLOW_CODE_SHA;
  const where = `step "${step}" of flow "${env.METAFLOW_FLOW_NAME}"`;
  const directory = sha === undefined ? undefined : path.join(assemblyDirectory, `asset.${sha}`);
  if (directory !== undefined && fs.statSync(directory, { throwIfNoEntry: false })?.isDirectory()) return directory;
  const archive = sha === undefined || !fs.existsSync(assemblyDirectory) ? undefined : fs.readdirSync(assemblyDirectory)
    .filter((name) => name.startsWith('asset.') && name.endsWith('.tgz'))
    .map((name) => path.resolve(assemblyDirectory, name))
    .find((file) => sha1Of(file) === sha);
  if (archive === undefined) {
    throw new ValidationError([{
      where,
      field: 'METAFLOW_CODE_SHA',
      value: sha,
      message: `the code package is not staged in ${assemblyDirectory}${sha === undefined ? '' : ` (no asset.*.tgz with sha1 ${sha}, no directory asset.${sha})`}`,
      fix: 'synthesize the app again without asset staging disabled, or pass the flow\'s directory as codeDir',
    }]);
  }
  return unpackedCodePackage(archive, where);
}
