import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError } from '../cli-error';

/** The shared config and credentials files, where the SDK looks for them. */
function sharedFiles(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  const aws = path.join(env.HOME ?? os.homedir(), '.aws');
  return { config: env.AWS_CONFIG_FILE ?? path.join(aws, 'config'), credentials: env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(aws, 'credentials') };
}

function sectionNames(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)].map((match) => match[1]);
}

/** Profiles declared in the shared config (`[profile NAME]`, `[default]`) and credentials (`[NAME]`) files. */
export function configuredProfiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const files = sharedFiles(env);
  const fromConfig = sectionNames(files.config)
    .filter((name) => name === 'default' || name.startsWith('profile '))
    .map((name) => name.replace(/^profile\s+/, ''));
  return [...new Set([...fromConfig, ...sectionNames(files.credentials)])].sort();
}

/**
 * Fails fast, as the AWS CLI does, when the selected profile (`--profile`, else `AWS_PROFILE`) is declared in
 * neither shared file: the SDK would only report "Could not load credentials" (or a missing region) instead.
 */
export function assertProfileExists(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const selected = profile ?? env.AWS_PROFILE;
  if (selected === undefined || selected === '') return;
  const known = configuredProfiles(env);
  if (known.includes(selected)) return;
  const files = sharedFiles(env);
  throw new CliError(
    `the AWS profile "${selected}" is not in ${files.config} or ${files.credentials} ` +
      `(${known.length > 0 ? `profiles there: ${known.join(', ')}` : 'no profiles there'}). ` +
      `Create it with \`aws configure --profile ${selected}\` or \`aws configure sso --profile ${selected}\`, or name another with --profile.`,
  );
}
