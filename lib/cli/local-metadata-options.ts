import { MetadataServiceError, resolveMetadataServiceSetup, type MetadataServiceSetup } from '../local/services/metadata/config';
import type { RunMetadataServiceOptions } from '../local/services/metadata/run-hook';
import { CliError, UsageError } from './cli-error';

/** `run --local` options of the local metadata service. */
export interface MetadataServiceCliOptions {
  readonly metadataService?: boolean;
  readonly metadataServiceSrc?: string;
  readonly keepMetadata?: boolean;
  /** The interpreter of the service (and of the tasks). @default /usr/bin/python3 */
  readonly python?: string;
}

/** The service's setup, checked before anything starts; a missing piece is a CliError with the fix. */
export function metadataSetup(options: { metadataServiceSrc?: string; python?: string }): MetadataServiceSetup {
  try {
    return resolveMetadataServiceSetup({ src: options.metadataServiceSrc, python: options.python });
  } catch (error) {
    throw asCliError(error);
  }
}

/** What `runLocalFlow` gets for `--metadata-service`, or undefined without it. */
export function metadataServiceFor(options: MetadataServiceCliOptions): RunMetadataServiceOptions | undefined {
  if (!options.metadataService) {
    if (options.keepMetadata) throw new UsageError('--keep-metadata keeps the database of --metadata-service: add --metadata-service');
    if (options.metadataServiceSrc !== undefined) throw new UsageError('--metadata-service-src names the service --metadata-service runs: add --metadata-service');
    return undefined;
  }
  return { setup: metadataSetup(options), keep: options.keepMetadata === true };
}

/** A MetadataServiceError (missing software, a server that did not start) is the user's to fix: no stack trace. */
export function asCliError(error: unknown): unknown {
  return error instanceof MetadataServiceError ? new CliError(error.message) : error;
}
