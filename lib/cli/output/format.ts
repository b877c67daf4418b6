/** `2026-11-21 15:04:05Z` for tables (ISO without milliseconds), `-` when absent. */
export function formatTime(date: Date | undefined): string {
  if (!date) return '-';
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function isoOrNull(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** Seconds between two dates (to now when `end` is absent), rounded down. */
export function durationSeconds(start: Date | undefined, end: Date | undefined, now: Date = new Date()): number | null {
  if (!start) return null;
  return Math.max(0, Math.floor(((end ?? now).getTime() - start.getTime()) / 1000));
}

/** `1h 02m 03s`, `4m 05s`, `7s`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${two(m)}m ${two(s)}s`;
  if (m > 0) return `${m}m ${two(s)}s`;
  return `${s}s`;
}
