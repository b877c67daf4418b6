import * as fs from 'fs';
import * as path from 'path';

interface FoundPackage {
  readonly dir: string;
  readonly version: string;
}

/** metaflow-cdk's own package.json, found upward from here (source tree and compiled `dist/` alike). */
function ownPackage(from: string): FoundPackage | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'metaflow-cdk' && pkg.version) return { dir, version: pkg.version };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The version in the package's package.json. */
export function packageVersion(from: string = __dirname): string {
  return ownPackage(from)?.version ?? 'unknown';
}

/** The folder of the package (the repository in a checkout, `node_modules/metaflow-cdk` where it is installed). */
export function packageRoot(from: string = __dirname): string {
  const found = ownPackage(from);
  if (!found) throw new Error(`metaflow-cdk's package.json was not found above ${from}`);
  return found.dir;
}
