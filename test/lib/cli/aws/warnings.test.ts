import { isSdkNodeVersionWarning } from '../../../../lib/cli/aws/warnings';

const SDK_WARNING = 'NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nversions published after the first week of January 2027\nwill require node >=22.';

describe('suppressSdkNodeVersionWarning', () => {
  test('drops only the SDK Node-version warning and passes every other warning on', () => {
    const original = process.emitWarning;
    const underlying = jest.fn();
    process.emitWarning = underlying as unknown as typeof process.emitWarning;
    try {
      jest.isolateModules(() => {
        const { suppressSdkNodeVersionWarning } = require('../../../../lib/cli/aws/warnings');
        suppressSdkNodeVersionWarning();
        suppressSdkNodeVersionWarning();
      });
      process.emitWarning(SDK_WARNING);
      process.emitWarning(new Error(SDK_WARNING));
      process.emitWarning('something else', 'DeprecationWarning');
      expect(underlying).toHaveBeenCalledTimes(1);
      expect(underlying).toHaveBeenCalledWith('something else', 'DeprecationWarning');
    } finally {
      process.emitWarning = original;
    }
  });

  test('recognises the warning text', () => {
    expect(isSdkNodeVersionWarning(SDK_WARNING)).toBe(true);
    expect(isSdkNodeVersionWarning('NodeVersionSupportWarning: something unrelated')).toBe(false);
    expect(isSdkNodeVersionWarning(undefined)).toBe(false);
  });
});
