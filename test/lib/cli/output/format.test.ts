import { durationSeconds, formatDuration, formatTime, isoOrNull } from '../../../../lib/cli/output/format';

describe('formatting', () => {
  test('times without milliseconds; absent as -', () => {
    expect(formatTime(new Date('2026-11-21T10:00:00.123Z'))).toBe('2026-11-21 10:00:00Z');
    expect(formatTime(undefined)).toBe('-');
    expect(isoOrNull(undefined)).toBeNull();
  });

  test('durations, to now when still running', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    expect(durationSeconds(start, new Date('2026-01-01T01:02:03.900Z'))).toBe(3723);
    expect(durationSeconds(start, undefined, new Date('2026-01-01T00:00:10Z'))).toBe(10);
    expect(durationSeconds(undefined, undefined)).toBeNull();
    expect(formatDuration(3723)).toBe('1h 02m 03s');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(7)).toBe('7s');
    expect(formatDuration(null)).toBe('-');
  });
});
