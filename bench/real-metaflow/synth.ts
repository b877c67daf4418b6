/** Synthesizes the benchmark's Python flows into the folder named by argv[2] (run in a child, as a user's synth). */
import * as path from 'path';
import { synthesizeFlows } from '../../test/real/support/metaflow-runs';
import { BENCH_FLOWS } from './flows';

synthesizeFlows(process.argv[2], BENCH_FLOWS.map((f) => path.resolve(__dirname, '..', '..', f.file)));
