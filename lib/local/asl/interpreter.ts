import * as fs from 'fs';
import * as path from 'path';
import type { StateMachine as StateMachineClass } from 'aws-local-stepfunctions';
import { installPromiseWithResolvers } from './polyfill';

export type StateMachineCtor = typeof StateMachineClass;

/**
 * The engine loads `aws-local-stepfunctions`' own CommonJS build with source patches, each applied to text that
 * must occur exactly once in the file (checked: a library whose text changed fails with `InterpreterPatchError`
 * naming the patch and the installed version, rather than running flows with a silently different interpreter):
 * - `$$.State`: 3.0 has no `$$.State` in the context object, and compiled flows read `$$.State.RetryCount` (the
 *   user's retry count). One line where a state starts executing sets { Name, EnteredTime, RetryCount } as Step
 *   Functions does.
 * - plain objects of any realm: `isPlainObj` compares prototypes with its realm's `Object.prototype`; payload
 *   templates built in a jest sandbox (another realm) fail it.
 * - intrinsic functions: escapes resolved in string literals, not stripped from results (see `LITERAL_ESCAPES`).
 * - `Promise.withResolvers` (Node 20 lacks it) is defined in the library's realm, which may differ from the caller's.
 * Verified against 3.0.0, the only version published; `package.json` should pin it.
 */
const STATE_CONTEXT = {
  name: '$$.State in the context object',
  anchor: '    try {\n      const processedInput = this.processInput(input, context);',
  replace: (anchor: string): string =>
    '    context.State = { Name: this.stateName, EnteredTime: (this.localEnteredTime ??= new Date().toISOString()), ' +
    'RetryCount: this.retrierAttempts.reduce((a, b) => a + b, 0) };\n' +
    anchor,
};

const PLAIN_OBJECT_ANY_REALM = {
  name: 'plain objects of any realm',
  anchor: 'return !!value && Object.getPrototypeOf(value) === Object.prototype;',
  replace: (): string =>
    'return !!value && typeof value === "object" && ((p) => p !== null && Object.getPrototypeOf(p) === null)(Object.getPrototypeOf(value));',
};

/*
 * Intrinsic-function escapes: 3.0 strips every backslash from every string an intrinsic function returns, so
 * `States.JsonToString` of a value holding a quote yields invalid JSON (`{"p":"["a"]"}`), and a string that holds a
 * backslash loses it. Step Functions resolves the escapes `\'`, `\{`, `\}` and `\\` in string literals only. The
 * patches do that when a literal argument is read, keeping an escaped brace as a private-use character that
 * `States.Format` does not take for a placeholder, and turning it back into a brace in every other function's
 * arguments and in every result.
 */
const LITERAL_ESCAPES = {
  name: 'intrinsic string literal escapes',
  anchor: '      const lastSingleQuote = arg.lastIndexOf("\'");\n      return arg.slice(1, lastSingleQuote);',
  replace: (): string =>
    '      const lastSingleQuote = arg.lastIndexOf("\'");\n' +
    '      return arg.slice(1, lastSingleQuote).replace(/\\\\([\\s\\S])/g, (_, c) => (c === "{" ? "\\uE000" : c === "}" ? "\\uE001" : c));',
};

const INTRINSIC_RESULTS_KEEP_BACKSLASHES = {
  name: 'intrinsic results keep their backslashes',
  anchor:
    '    const parsedArgs = parseArguments(input, context, ...args);\n' +
    '    validateArguments(this.funcDefinition, ...parsedArgs);\n' +
    '    let result = this.execute(...parsedArgs);\n' +
    '    if (typeof result === "string") {\n' +
    '      result = result.replaceAll("\\\\", "");\n' +
    '    }\n' +
    '    return result;',
  replace: (): string =>
    '    const braces = (v) => (typeof v === "string" ? v.replaceAll("\\uE000", "{").replaceAll("\\uE001", "}") : v);\n' +
    '    const parsedArgs = parseArguments(input, context, ...args).map((a) => (this.funcDefinition.name === "States.Format" ? a : braces(a)));\n' +
    '    validateArguments(this.funcDefinition, ...parsedArgs);\n' +
    '    return braces(this.execute(...parsedArgs));',
};

const PATCHES = [STATE_CONTEXT, PLAIN_OBJECT_ANY_REALM, LITERAL_ESCAPES, INTRINSIC_RESULTS_KEEP_BACKSLASHES];

/** The library is compiled in Node's own realm, whose `Promise` may differ from the caller's (jest sandboxes globals). */
const PRELUDE =
  'if (typeof Promise.withResolvers !== "function") { Promise.withResolvers = function () { ' +
  'let resolve, reject; const promise = new Promise((res, rej) => { resolve = res; reject = rej; }); ' +
  'return { promise, resolve, reject }; }; }\n';

/** The installed `aws-local-stepfunctions` is not the text the engine's patches were written for. */
export class InterpreterPatchError extends Error {
  constructor(readonly patch: string, readonly version: string, readonly occurrences: number) {
    super(
      `the local engine cannot patch aws-local-stepfunctions ${version} (${patch}: the text it patches occurs ` +
        `${occurrences} times, expected once). Fix: install the version it was written for ` +
        '(`npm install aws-local-stepfunctions@3.0.0`), or update the patches in lib/local/asl/interpreter.ts.',
    );
    this.name = 'InterpreterPatchError';
  }
}

/** The library's source with every patch applied; throws `InterpreterPatchError` when a patched text is not there once. */
export function patchInterpreterSource(source: string, version: string): string {
  let patched = source;
  for (const patch of PATCHES) {
    const parts = patched.split(patch.anchor);
    if (parts.length !== 2) throw new InterpreterPatchError(patch.name, version, parts.length - 1);
    patched = parts[0] + patch.replace(patch.anchor) + parts[1];
  }
  return PRELUDE + patched;
}

let loaded: { StateMachine: StateMachineCtor } | undefined;

export function loadInterpreter(): { StateMachine: StateMachineCtor } {
  if (loaded) return loaded;
  installPromiseWithResolvers();
  const file = require.resolve('aws-local-stepfunctions');
  const packageJson = path.join(path.dirname(file), '..', 'package.json');
  const version = fs.existsSync(packageJson) ? String((JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version?: unknown }).version) : 'unknown';
  const source = patchInterpreterSource(fs.readFileSync(file, 'utf8'), version);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const NodeModule = require('module') as {
    new (id: string): { filename: string; paths: string[]; exports: unknown; _compile(code: string, file: string): void };
    _nodeModulePaths(dir: string): string[];
  };
  const m = new NodeModule(file);
  m.filename = file;
  m.paths = NodeModule._nodeModulePaths(path.dirname(file));
  m._compile(source, file);
  loaded = { StateMachine: (m.exports as { StateMachine: StateMachineCtor }).StateMachine };
  return loaded;
}
