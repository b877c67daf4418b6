import type { ParameterSpec } from '../graph/model';
import type { Problem } from '../errors';
import { formatProblem } from '../errors';
import { isIncludedFileDescriptor } from '../runtime/metaflow/included-file';
import { UsageError } from './cli-error';
import { BATCH_MAX_OVERRIDES_CHARS } from '../compile/options';
import { runValueOf } from '../graph/parameter-values';

/** Step Functions refuses execution input over 256 KiB. */
export const MAX_EXECUTION_INPUT_BYTES = 256 * 1024;

/**
 * Why a run of these parameters could not work, or undefined. Step Functions refuses execution input over 256 KiB.
 * Every task carries the parameters as one JSON text in its container overrides (`MF_PARAMETERS`; Metaflow's start
 * step `METAFLOW_PARAMETERS`), and Batch fails a job whose overrides pass 8,192 characters: that text alone past the
 * bound fails the run's first job, whatever else the overrides hold.
 */
export function runInputProblem(input: string, parameters: Readonly<Record<string, unknown>>): string | undefined {
  const bytes = Buffer.byteLength(input);
  if (bytes > MAX_EXECUTION_INPUT_BYTES) {
    return `the execution input is ${bytes} bytes, over Step Functions' limit of ${MAX_EXECUTION_INPUT_BYTES}; pass large values by S3 path instead.`;
  }
  const inOverrides = JSON.stringify(JSON.stringify(parameters)).length;
  if (inOverrides > BATCH_MAX_OVERRIDES_CHARS) {
    return `the parameters come to ${inOverrides} characters in each job's container overrides, and Batch fails a job whose overrides pass ${BATCH_MAX_OVERRIDES_CHARS} without running it; pass large values by S3 path instead.`;
  }
  return undefined;
}

/** Splits `--param k=v` values; `k=` is an empty string; a missing `=` or a name given twice is a usage error. */
export function parseParamArgs(args: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  const bad: string[] = [];
  const twice = new Set<string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) bad.push(arg);
    else if (values.has(arg.slice(0, eq))) twice.add(arg.slice(0, eq));
    else values.set(arg.slice(0, eq), arg.slice(eq + 1));
  }
  if (bad.length) throw new UsageError(`--param expects NAME=VALUE, got ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  if (twice.size) throw new UsageError(`--param ${[...twice].join(', ')} given more than once; pass each parameter once`);
  return values;
}

/** A decimal number as Metaflow's `int`/`float` parameters read it (no `0x10`, `0b1` or `Infinity`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function convert(spec: ParameterSpec, raw: string): { value?: unknown; problem?: string; fix?: string } {
  switch (spec.type) {
    case 'number': {
      const value = DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isFinite(value)) return { problem: 'is not a number', fix: `pass a decimal number, e.g. --param ${spec.name}=3` };
      // Metaflow's int is click's INT, Python's int(): digits only, no "2.5", "1e3" or "3.0"
      if (spec.integer === true && !/^[+-]?\d+$/.test(raw.trim())) return { problem: 'is not a whole number (the parameter is an int)', fix: `pass a whole number, e.g. --param ${spec.name}=${Math.trunc(value)}` };
      // the run input is JSON, whose numbers are doubles: a whole number past 2^53 would reach the steps changed
      if (/^[+-]?\d+$/.test(raw.trim()) && !Number.isSafeInteger(value)) {
        return { problem: `is a whole number past 2^53 (${Number.MAX_SAFE_INTEGER}), which the run's JSON input would round to ${value}`, fix: `declare ${spec.name} a string parameter for such ids, or pass a smaller number` };
      }
      return { value };
    }
    case 'boolean': {
      const lower = raw.toLowerCase();
      // click's BOOL, as Metaflow's vendored click reads it
      if (['true', 't', '1', 'yes', 'y'].includes(lower)) return { value: true };
      if (['false', 'f', '0', 'no', 'n'].includes(lower)) return { value: false };
      return { problem: 'is not a boolean', fix: `pass true or false, e.g. --param ${spec.name}=true` };
    }
    case 'json':
      try {
        return { value: JSON.parse(raw) };
      } catch {
        return { problem: 'is not valid JSON', fix: `pass JSON, e.g. --param '${spec.name}={"k": 1}'` };
      }
    default:
      return { value: raw };
  }
}

/** `batch_size` for a parameter declared `batch-size` (or the other way round), when exactly one declared name fits. */
function sameBySeparator(declared: readonly ParameterSpec[], name: string): ParameterSpec | undefined {
  const key = (n: string) => n.replace(/_/g, '-');
  const fits = declared.filter((spec) => key(spec.name) === key(name));
  return fits.length === 1 ? fits[0] : undefined;
}

/**
 * Checks `--param` values against the flow's declared parameters and returns the parameters object to send:
 * given values converted to their types, then defaults for the rest (Metaflow's `trigger` sends defaults too).
 * Every problem (unknown name, bad type, missing required) is reported at once as a usage error.
 */
export function checkParameters(flow: string, declared: readonly ParameterSpec[], given: ReadonlyMap<string, string>): Record<string, unknown> {
  const problems: Problem[] = [];
  const byName = new Map(declared.map((spec) => [spec.name, spec]));
  const names = declared.map((spec) => spec.name);
  const listing = names.length ? `declared parameters: ${names.join(', ')}` : 'the flow declares no parameters';
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const [givenName, raw] of given) {
    const spec = byName.get(givenName) ?? sameBySeparator(declared, givenName);
    const name = spec?.name ?? givenName;
    if (spec && seen.has(name)) {
      problems.push({ where: `flow "${flow}"`, field: `--param ${givenName}`, value: raw, message: `names parameter "${name}", which another --param already set`, fix: `pass --param ${name}=VALUE once` });
      continue;
    }
    seen.add(name);
    if (!spec) {
      problems.push({ where: `flow "${flow}"`, field: `--param ${name}`, value: raw, message: 'is not a parameter of this flow', fix: listing });
      continue;
    }
    if (isIncludedFileDescriptor(spec.default) && !isIncludedFileDescriptor(raw)) {
      problems.push({
        where: `flow "${flow}"`, field: `--param ${name} (IncludeFile)`, value: raw,
        message: 'is an IncludeFile, whose value is Metaflow\'s descriptor of a file already in S3, not a path (the file was shipped at deploy)',
        fix: `change the file and deploy again, or pass a descriptor shaped like the default: ${spec.default as string}`,
      });
      continue;
    }
    const converted = convert(spec, raw);
    if (converted.problem) {
      problems.push({ where: `flow "${flow}"`, field: `--param ${name} (${spec.type})`, value: raw, message: converted.problem, fix: converted.fix ?? '' });
    } else {
      result[name] = converted.value;
    }
  }
  for (const spec of declared) {
    if (seen.has(spec.name)) continue;
    if (spec.default !== undefined) result[spec.name] = runValueOf(spec, spec.default);
    else if (spec.required) {
      problems.push({
        where: `flow "${flow}"`,
        field: `--param ${spec.name} (${spec.type})`,
        value: undefined,
        message: 'is required and has no default',
        fix: `pass --param ${spec.name}=VALUE${spec.help ? ` (${spec.help})` : ''}`,
      });
    }
  }
  if (problems.length) {
    throw new UsageError(`${problems.length} parameter problem(s):\n  - ${problems.map(formatProblem).join('\n  - ')}`);
  }
  return result;
}
