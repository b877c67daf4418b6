/**
 * Checks the code samples of README.md and docs/ in a process of its own (run with tsx by code-samples.test.ts):
 * one type-check of every sample, then every complete app run and synthesized with Node's own module loader, which
 * loads aws-cdk-lib several times faster than jest's. Writes `SampleReport` as JSON to the file named by argv[2].
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allSamples, isCompleteApp, runSample, typeCheck } from './samples';

export interface SampleReport {
  readonly samples: number;
  readonly fragments: string[];
  readonly diagnostics: string[];
  readonly apps: Array<{ where: string; ms: number; templates: number; error?: string }>;
  readonly typeCheckMs: number;
}

function main(reportFile: string): void {
  const samples = allSamples();
  const checked = samples.filter((s) => !s.fragment);
  const started = Date.now();
  const diagnostics = typeCheck(checked).map((d) => d.message);
  const typeCheckMs = Date.now() - started;
  const apps: SampleReport['apps'] = [];
  for (const sample of checked.filter(isCompleteApp)) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-doc-sample-'));
    process.env.CDK_OUTDIR = outdir;
    const t0 = Date.now();
    try {
      runSample(sample, require);
      apps.push({ where: sample.where, ms: Date.now() - t0, templates: fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).length });
    } catch (error) {
      apps.push({ where: sample.where, ms: Date.now() - t0, templates: 0, error: error instanceof Error ? error.message : String(error) });
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }
  const report: SampleReport = { samples: samples.length, fragments: samples.filter((s) => s.fragment).map((s) => s.where), diagnostics, apps, typeCheckMs };
  fs.writeFileSync(reportFile, JSON.stringify(report, null, 2));
}

if (require.main === module) main(process.argv[2]);
