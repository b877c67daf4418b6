import * as path from 'path';

/** The repository root, for benches that synthesize or run its apps. */
export const REPO = path.resolve(__dirname, '../..');

// Bench output is read by people: the AWS SDK's Node-version notice would repeat in every table.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** `--name value` from the bench's command line, or the fallback. */
export function benchOption(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}
