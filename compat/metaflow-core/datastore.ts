import { resolvedJobTexts } from '../../lib/local/run/engine';
import { LocalAssembly } from '../../lib/local/template/assembly';
import { findFlow } from '../../lib/local/template/flows';
import type { Json } from '../../lib/local/template/tokens';

/** `METAFLOW_DATASTORE_SYSROOT_S3` the compiled flow gives its tasks (the checkers read the same root). */
export function datastoreRootOf(cdkOut: string, flowName: string): string {
  const assembly = LocalAssembly.fromDirectory(cdkOut);
  const flow = findFlow(assembly, flowName);
  if (!flow) throw new Error(`flow ${flowName} is not in ${cdkOut}`);
  // the state machine and the job definitions it names: a step's variables live in either
  for (const text of resolvedJobTexts(assembly, flow.definition)) {
    const found = findEnv(JSON.parse(text) as Json, 'METAFLOW_DATASTORE_SYSROOT_S3');
    if (found) return found;
  }
  throw new Error(`flow ${flowName} passes no METAFLOW_DATASTORE_SYSROOT_S3 to its tasks`);
}

function findEnv(node: Json, name: string): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findEnv(item, name);
      if (found) return found;
    }
  } else if (node && typeof node === 'object') {
    if (node.Name === name && typeof node.Value === 'string') return node.Value;
    for (const value of Object.values(node)) {
      const found = findEnv(value, name);
      if (found) return found;
    }
  }
  return undefined;
}
