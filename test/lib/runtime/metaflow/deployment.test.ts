import { isValidationError } from '../../../../lib/errors';
import { splitS3Url } from '../../../../lib/runtime/metaflow/deployment';

describe('splitS3Url', () => {
  test('splits bucket and key at the first slash', () => {
    expect(splitS3Url('s3://mf/metaflow/Flow/data/ab/abc')).toEqual({ bucket: 'mf', key: 'metaflow/Flow/data/ab/abc' });
  });
  test.each(['s3://bucket', 'https://b/k', 'mf/key'])('refuses %p', (url) => {
    try {
      splitS3Url(url);
      throw new Error('accepted');
    } catch (error) {
      expect(isValidationError(error)).toBe(true);
    }
  });
});
