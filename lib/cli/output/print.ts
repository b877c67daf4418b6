/** Everything a command prints goes through here: results to stdout, notes and progress to stderr. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `--json` output: one pretty-printed document per command, dates as ISO strings. */
export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}
