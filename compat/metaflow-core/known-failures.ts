import * as fs from 'fs';
import * as path from 'path';

/** Combinations (`Test@graph`) known to fail, each with its reason: the slice (`npm run test:compat`) expects them to fail, no more. */
export const KNOWN_FAILURES_FILE = path.join(__dirname, 'known-failures.json');

export function readKnownFailures(file = KNOWN_FAILURES_FILE): Readonly<Record<string, string>> {
  return JSON.parse(fs.readFileSync(file, 'utf-8')) as Record<string, string>;
}
