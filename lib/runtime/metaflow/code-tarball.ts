import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';
import type { MetaflowConfigValue } from '../../graph/model';
import type { CodePackageFile } from './code-package';
import { PACKAGE_CONFIG_MEMBER } from './deployment';

/**
 * The `INFO` member of a Metaflow code package (Metaflow's `MetaflowEnvironment.get_environment_info`), reduced to
 * facts fixed at synth: equal flows give equal bytes. Metaflow's client reads `environment_type` and `script`.
 */
export interface MetaflowPackageInfo {
  readonly environment_type: 'local';
  readonly script: string;
  readonly metaflow_version: string;
  readonly runtime: 'step-functions';
  readonly flow_name: string;
  readonly production_token: string;
  readonly use_r: false;
}

export function metaflowPackageInfo(facts: { flowName: string; flowFile: string; metaflowVersion: string; productionToken: string }): MetaflowPackageInfo {
  return {
    environment_type: 'local',
    script: facts.flowFile,
    metaflow_version: facts.metaflowVersion,
    runtime: 'step-functions',
    flow_name: facts.flowName,
    production_token: facts.productionToken,
    use_r: false,
  };
}

/** Name of the JSON member Metaflow's v0 package layout holds at its root. */
export const PACKAGE_INFO_MEMBER = 'INFO';

/** Metaflow's `dump_config_values`: the `CONFIG` member's content. */
export function packageConfigContent(configs: Readonly<Record<string, MetaflowConfigValue>>): { user_configs: Record<string, [unknown, boolean]> } {
  return { user_configs: Object.fromEntries(Object.entries(configs).map(([name, c]) => [name, [c.value, c.plain]])) };
}

/** Every member's mtime, so the archive's bytes do not depend on when the files were checked out. */
export const CODE_PACKAGE_MTIME = new Date('2000-01-01T00:00:00Z');

/** A built code package: the gzip'd tar and its sha1 (Metaflow's content address of the blob). */
export interface CodePackageTarball {
  readonly bytes: Buffer;
  /** sha1 of `bytes`, 40 hex characters: `METAFLOW_CODE_SHA` and the datastore key. */
  readonly sha: string;
}

/**
 * Metaflow's code package in its version 0 layout (what `Run.code` and `Task.environment_info` read): the files at
 * their archive paths, `INFO` at the root and, for a flow with `Config` values, `CONFIG`, as a gzip'd tar. Members
 * are sorted, modes normalized (644, or 755 for executables), owners and times left out or fixed, so equal inputs give
 * equal bytes on a machine.
 */
export function codePackageTarball(files: readonly CodePackageFile[], info: MetaflowPackageInfo, configs?: Readonly<Record<string, MetaflowConfigValue>>): CodePackageTarball {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-code-package-'));
  try {
    const root = path.join(staging, 'root');
    fs.mkdirSync(root);
    const members = [PACKAGE_INFO_MEMBER];
    fs.writeFileSync(path.join(root, PACKAGE_INFO_MEMBER), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
    if (configs !== undefined && Object.keys(configs).length > 0) {
      fs.writeFileSync(path.join(root, PACKAGE_CONFIG_MEMBER), `${JSON.stringify(packageConfigContent(configs))}\n`, { mode: 0o644 });
      members.push(PACKAGE_CONFIG_MEMBER);
    }
    for (const file of files) {
      const target = path.join(root, ...file.archivePath.split('/'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(file.source, target);
      fs.chmodSync(target, fs.statSync(file.source).mode & 0o111 ? 0o755 : 0o644);
      members.push(file.archivePath);
    }
    members.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const archive = path.join(staging, 'package.tgz');
    tar.c({ gzip: true, portable: true, mtime: CODE_PACKAGE_MTIME, sync: true, cwd: root, file: archive, noDirRecurse: true }, members);
    const bytes = fs.readFileSync(archive);
    return { bytes, sha: createHash('sha1').update(bytes).digest('hex') };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Where Metaflow's content-addressed store keeps a blob: `<sysroot>/<flow>/data/<sha[:2]>/<sha>`. */
export function contentAddressedUrl(datastoreRoot: string, flowName: string, sha: string): string {
  return `${datastoreRoot.replace(/\/+$/, '')}/${contentAddressedKey(flowName, sha)}`;
}

/** The blob's key below the datastore root. */
export function contentAddressedKey(flowName: string, sha: string): string {
  return `${flowName}/data/${sha.slice(0, 2)}/${sha}`;
}
