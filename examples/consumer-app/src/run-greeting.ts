import { LocalAssembly, runLocalFlow } from 'metaflow-cdk/local';

/** Runs GreetingFlow from a synthesized cloud assembly through the library API: `node dist/src/run-greeting.js cdk.out NAME`. */
async function main(cdkOut: string, who: string): Promise<number> {
  const result = await runLocalFlow({ assembly: LocalAssembly.fromDirectory(cdkOut), flow: 'GreetingFlow', parameters: { who } });
  console.log(`GreetingFlow ${result.runId}: ${result.status}`);
  return result.status === 'SUCCEEDED' ? 0 : 1;
}

main(process.argv[2] ?? 'cdk.out', process.argv[3] ?? 'world').then((code) => (process.exitCode = code));
