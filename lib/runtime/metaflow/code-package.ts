import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Metaflow's `DEFAULT_PACKAGE_SUFFIXES` (`metaflow_config.py`): what its code package takes from the flow's directory. */
export const METAFLOW_PACKAGE_SUFFIXES: readonly string[] = ['.py', '.R', '.RDS'];

/**
 * Folders never packaged, wherever they are: dependencies, caches and outputs of the tools around a flow. Metaflow
 * itself walks them (only hidden folders are skipped), but a flow never imports from them and an app's
 * `node_modules` can hold thousands of files.
 */
export const NEVER_PACKAGED_DIRS: readonly string[] = ['node_modules', '__pycache__', 'cdk.out'];

/** Metadata key of a Metaflow flow's state machine holding its `CodePackageSource`, read by `run --local`. */
export const CODE_PACKAGE_METADATA_KEY = 'metaflow-cdk:code-package';

/** Where a flow's code package came from, recorded at synth. */
export interface CodePackageSource {
  /** The flow's directory, relative to the cloud assembly's directory. */
  readonly directory: string;
  readonly flowFile: string;
  /** `codePackageHash` of the packaged files. */
  readonly contentHash: string;
  readonly suffixes?: readonly string[];
}

export interface CodePackageOptions {
  /** Suffixes added to Metaflow's (`--package-suffixes`). @default none */
  readonly suffixes?: readonly string[];
  /** Absolute folders left out (the cloud assembly being written, when it lies inside the flow's directory). @default none */
  readonly excludeDirs?: readonly string[];
}

/** One file of the code package: where it is, and its path inside the package. */
export interface CodePackageFile {
  readonly source: string;
  readonly archivePath: string;
}

/**
 * The files Metaflow's own code package takes from a flow's directory (`MetaflowPackage._user_code_tuples`): every
 * file whose name ends in a package suffix (case-insensitive; a dot-file only when it equals a suffix), outside
 * hidden folders, symbolic links followed once. Beyond Metaflow, `NEVER_PACKAGED_DIRS` and any folder holding a
 * cloud assembly (a `cdk.out` marker file, whatever the folder's name) are skipped, so an app's outputs never end up
 * in its own package. Sorted by archive path, so the package and its hash do not depend on the file system's order.
 */
export function codePackageFiles(directory: string, options: CodePackageOptions = {}): CodePackageFile[] {
  const root = path.resolve(directory);
  const suffixes = [...METAFLOW_PACKAGE_SUFFIXES, ...(options.suffixes ?? [])].map((s) => s.toLowerCase());
  const matches = (name: string): boolean => {
    const lower = name.toLowerCase();
    return lower.startsWith('.') ? suffixes.includes(lower) : suffixes.some((s) => lower.endsWith(s));
  };
  const excluded = new Set((options.excludeDirs ?? []).map((d) => path.resolve(d)));
  const files: CodePackageFile[] = [];
  const visited = new Set<string>();
  const walk = (dir: string, relative: string): void => {
    const real = fs.realpathSync(dir);
    if (visited.has(real)) return; // a symbolic link back up the tree
    visited.add(real);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const archivePath = relative ? `${relative}/${entry.name}` : entry.name;
      const stat = entry.isSymbolicLink() ? fs.statSync(full, { throwIfNoEntry: false }) : entry;
      if (!stat) continue; // dangling link
      if (stat.isDirectory()) {
        if (entry.name.startsWith('.') || NEVER_PACKAGED_DIRS.includes(entry.name) || excluded.has(full)) continue;
        if (fs.existsSync(path.join(full, 'cdk.out')) && fs.existsSync(path.join(full, 'manifest.json'))) continue;
        walk(full, archivePath);
      } else if (stat.isFile() && matches(entry.name)) {
        files.push({ source: full, archivePath });
      }
    }
  };
  walk(root, '');
  return files.sort((a, b) => (a.archivePath < b.archivePath ? -1 : a.archivePath > b.archivePath ? 1 : 0));
}

/** sha256 over each file's archive path and content: equal packages hash equal, wherever the flow's directory is. */
export function codePackageHash(files: readonly CodePackageFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file.archivePath).update('\0').update(fs.readFileSync(file.source)).update('\0');
  }
  return hash.digest('hex');
}
