import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The real-software tier: tests that run the real Metaflow (and its metadata service) find them through variables,
 * never through a path of this machine. `.ci/run` sets them to the vendored copies beside the checkout and sets
 * MFCDK_REQUIRE_REAL=1, which turns "not found" into a failing test instead of a skip.
 *
 *   MFCDK_METAFLOW_SRC          a Metaflow source tree: the folder that holds `metaflow/` (and `test/core`)
 *   MFCDK_METADATA_SERVICE_SRC  a metaflow-service source tree: the folder that holds `services/`
 *   MFCDK_PYTHON                the interpreter tasks run (default /usr/bin/python3, where Debian's boto3 lives)
 *   MFCDK_REQUIRE_REAL=1        CI: absence fails
 */
export interface RealMetaflow {
  readonly python: string;
  /** Folder to put on PYTHONPATH so `import metaflow` finds the real one. */
  readonly metaflowSrc: string;
  readonly version: string;
  /** metaflow-service source tree, when MFCDK_METADATA_SERVICE_SRC names one. */
  readonly metadataServiceSrc?: string;
}

export const REAL_TIER_HINT =
  'set MFCDK_METAFLOW_SRC to a Metaflow 2.19 source tree (e.g. ../shared/vendor/metaflow) and install python3-boto3 python3-requests, as .ci/run does';

let probed: { found?: RealMetaflow; reason?: string } | undefined;

/** Probes once per test process: the variable, the folder, and that the interpreter imports metaflow and boto3. */
export function probeRealMetaflow(): { found?: RealMetaflow; reason?: string } {
  if (probed) return probed;
  const src = process.env.MFCDK_METAFLOW_SRC;
  const python = process.env.MFCDK_PYTHON ?? '/usr/bin/python3';
  if (!src) return (probed = { reason: 'MFCDK_METAFLOW_SRC is not set' });
  const metaflowSrc = path.resolve(src);
  if (!fs.existsSync(path.join(metaflowSrc, 'metaflow', '__init__.py'))) {
    return (probed = { reason: `MFCDK_METAFLOW_SRC=${metaflowSrc} holds no metaflow/__init__.py` });
  }
  const check = spawnSync(python, ['-c', 'import boto3, requests, metaflow; print(metaflow.__version__)'], {
    env: { ...process.env, PYTHONPATH: metaflowSrc, METAFLOW_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-home-')), USERNAME: 'tester' },
    encoding: 'utf8',
  });
  if (check.status !== 0) {
    const last = (check.stderr || String(check.error ?? '')).trim().split('\n').pop();
    return (probed = { reason: `${python} cannot import metaflow with boto3 and requests (${last})` });
  }
  const serviceSrc = process.env.MFCDK_METADATA_SERVICE_SRC ? path.resolve(process.env.MFCDK_METADATA_SERVICE_SRC) : undefined;
  return (probed = {
    found: {
      python,
      metaflowSrc,
      version: check.stdout.trim().split('\n').pop() ?? '',
      metadataServiceSrc: serviceSrc && fs.existsSync(path.join(serviceSrc, 'services')) ? serviceSrc : undefined,
    },
  });
}

/**
 * `describe` for the real-Metaflow tier: runs when Metaflow is found; otherwise prints one line and skips, or, with
 * MFCDK_REQUIRE_REAL=1 (CI), fails with the reason.
 */
export function describeWithRealMetaflow(name: string, body: (real: () => RealMetaflow) => void): void {
  const { found, reason } = probeRealMetaflow();
  if (found) {
    describe(name, () => body(() => found));
    return;
  }
  requireOrSkip(name, 'the real Metaflow is available', `${reason}; ${REAL_TIER_HINT}`, () => body(unreachable));
}

function unreachable(): never {
  throw new Error('unreachable: a skipped tier has no real Metaflow');
}

/**
 * The real software is missing: under MFCDK_REQUIRE_REAL=1 (CI) one failing test says why; elsewhere one printed line
 * says why and how to enable the tier, and the tier is skipped.
 */
function requireOrSkip(name: string, requirement: string, why: string, body: () => void): void {
  if (process.env.MFCDK_REQUIRE_REAL === '1') {
    describe(name, () => test(requirement, () => {
      throw new Error(`real-Metaflow tier required (MFCDK_REQUIRE_REAL=1) but ${why}`);
    }));
    return;
  }
  // eslint-disable-next-line no-console
  console.log(`skipping "${name}": ${why}`);
  // Skipped on purpose: the real software this tier runs is not on this machine (the line above says what is missing).
  describe.skip(name, body); // skipped because the real Metaflow or its metadata service is not on this machine (CI sets MFCDK_REQUIRE_REAL=1 and fails instead)
}

/** A real Metaflow with the metadata service's source tree. */
export type RealMetaflowWithService = RealMetaflow & { readonly metadataServiceSrc: string };

/**
 * `describe` for tests that also run Metaflow's metadata service (MFCDK_METADATA_SERVICE_SRC, with PostgreSQL and
 * the service's Debian packages): skips, or fails under MFCDK_REQUIRE_REAL=1, when either is missing.
 */
export function describeWithMetadataService(name: string, body: (real: () => RealMetaflowWithService) => void): void {
  const { found } = probeRealMetaflow();
  if (found && found.metadataServiceSrc === undefined) {
    const reason = 'MFCDK_METADATA_SERVICE_SRC does not name a metaflow-service source tree (the folder that holds services/)';
    const hint = 'set it (e.g. ../shared/vendor/metaflow-service) and install postgresql python3-aiohttp python3-aiopg python3-psycopg2 python3-packaging, as .ci/run does';
    requireOrSkip(name, 'the metadata service is available', `${reason}; ${hint}`, () => body(unreachable));
    return;
  }
  describeWithRealMetaflow(name, body as (real: () => RealMetaflow) => void);
}
