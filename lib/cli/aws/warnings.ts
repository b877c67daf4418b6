let installed = false;

/**
 * The SDK warns once per process that its future versions need Node 22. It is noise in an operator's
 * terminal, so this drops that one warning (and only it); every other warning still reaches Node.
 */
export function suppressSdkNodeVersionWarning(): void {
  if (installed) return;
  installed = true;
  const original = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  const filtered = (warning: string | Error, ...rest: unknown[]): void => {
    const message = typeof warning === 'string' ? warning : warning?.message;
    if (isSdkNodeVersionWarning(message)) return;
    original(warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
}

export function isSdkNodeVersionWarning(message: string | undefined): boolean {
  return typeof message === 'string' && message.startsWith('NodeVersionSupportWarning') && message.includes('AWS SDK for JavaScript');
}
