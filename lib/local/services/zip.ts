import * as fs from 'fs';
import * as path from 'path';
import { zipSync, type Zippable } from 'fflate';

/** 1980-01-01, zip's earliest time: a fixed time keeps the archive's bytes a function of its content. */
const FIXED_TIME = new Date(1980, 0, 1);

/**
 * A zip archive of a directory, as `cdk deploy` uploads a directory asset: deflated entries, paths relative to the
 * directory with `/` separators, regular files only, in name order.
 */
export function zipDirectory(directory: string): Buffer {
  const entries: Zippable = {};
  const walk = (dir: string, relative: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      const stat = fs.statSync(full);
      if (stat.isDirectory()) walk(full, rel);
      else if (stat.isFile()) entries[rel] = [fs.readFileSync(full), { mtime: FIXED_TIME }];
    }
  };
  walk(directory, '');
  return Buffer.from(zipSync(entries, { level: 6 }));
}
