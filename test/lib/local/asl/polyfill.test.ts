import { installPromiseWithResolvers } from '../../../../lib/local/asl/polyfill';

describe('installPromiseWithResolvers', () => {
  test('provides Promise.withResolvers whose resolve settles its promise', async () => {
    installPromiseWithResolvers();
    const { promise, resolve } = (Promise as unknown as { withResolvers<T>(): { promise: Promise<T>; resolve(v: T): void } }).withResolvers<number>();
    resolve(42);
    await expect(promise).resolves.toBe(42);
  });
});
