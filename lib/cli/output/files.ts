import * as fs from 'fs';
import { CliError } from '../cli-error';

/** Why a file operation failed, in words (the errno codes a person can act on). */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Reads a text file; failure is a CliError naming the file and the reason, never a stack trace. */
export function readTextFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${fileErrorReason(error)}`);
  }
}

/**
 * Writes a text file for an option such as `--output`; failure is a CliError naming the option, the file, the
 * reason and `context` (e.g. that the run was started anyway).
 */
export function writeTextFile(option: string, file: string, text: string, context = ''): void {
  try {
    fs.writeFileSync(file, text);
  } catch (error) {
    throw new CliError(`${context}cannot write ${option} ${file}: ${fileErrorReason(error)}. Create its directory or choose another path.`);
  }
}
