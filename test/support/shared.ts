import * as fs from 'fs';
import * as path from 'path';

/** The project's `shared/` folder (docs and Metaflow fixtures) sits beside the checkout, in CI as in development. */
function findShared(): string {
  const candidates = [
    process.env.METAFLOW_CDK_SHARED,
    path.resolve(__dirname, '..', '..', '..', 'shared'),
    '/work/shared',
  ].filter((candidate): candidate is string => Boolean(candidate));
  const found = candidates.find((candidate) => fs.existsSync(path.join(candidate, 'fixtures', 'metaflow')));
  if (!found) throw new Error(`shared/ not found beside the checkout (looked in ${candidates.join(', ')})`);
  return found;
}

export const SHARED_DIR = findShared();
export const METAFLOW_FIXTURES = path.join(SHARED_DIR, 'fixtures', 'metaflow');
