import { CliError, UsageError } from '../../../lib/cli/cli-error';
import { asCliError, metadataServiceFor } from '../../../lib/cli/local-metadata-options';
import { MetadataServiceError } from '../../../lib/local/services/metadata/config';

describe('run --local options of the metadata service', () => {
  test('none given: no service', () => {
    expect(metadataServiceFor({})).toBeUndefined();
  });

  test('--keep-metadata and --metadata-service-src without --metadata-service are usage errors naming the flag to add', () => {
    expect(() => metadataServiceFor({ keepMetadata: true })).toThrow(new UsageError('--keep-metadata keeps the database of --metadata-service: add --metadata-service'));
    expect(() => metadataServiceFor({ metadataServiceSrc: '/x' })).toThrow(UsageError);
  });

  test('--metadata-service without a source is a CliError with the fix, before anything starts', () => {
    const saved = process.env.MFCDK_METADATA_SERVICE_SRC;
    delete process.env.MFCDK_METADATA_SERVICE_SRC;
    try {
      expect(() => metadataServiceFor({ metadataService: true })).toThrow(CliError);
      expect(() => metadataServiceFor({ metadataService: true })).toThrow(/--metadata-service-src <dir> or set MFCDK_METADATA_SERVICE_SRC/);
    } finally {
      if (saved !== undefined) process.env.MFCDK_METADATA_SERVICE_SRC = saved;
    }
  });

  test('only the service\'s own errors become CliErrors', () => {
    expect(asCliError(new MetadataServiceError('x'))).toEqual(new CliError('x'));
    const other = new Error('y');
    expect(asCliError(other)).toBe(other);
  });
});
