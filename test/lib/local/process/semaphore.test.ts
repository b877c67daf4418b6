import { Semaphore } from '../../../../lib/local/process/semaphore';

describe('Semaphore', () => {
  test('never runs more than its size at once and runs everything', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        semaphore.use(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual([...Array(10).keys()]);
  });

  test('releases its slot when the work fails, and refuses a size below 1', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.use(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(semaphore.use(async () => 'next')).resolves.toBe('next');
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
