import * as fs from 'fs';
import * as path from 'path';
import type { StateMachine as StateMachineClass } from 'aws-local-stepfunctions';
import { installPromiseWithResolvers } from './polyfill';

export type StateMachineCtor = typeof StateMachineClass;

/**
 * `aws-local-stepfunctions` 3.0 has no `$$.State` in the context object, and compiled flows read
 * `$$.State.RetryCount` (the user's retry count). The engine loads the library's own file with one line added where
 * a state starts executing, which sets `$$.State` { Name, EnteredTime, RetryCount } as Step Functions does.
 * If the anchor is not found (another library version), the unpatched library is used.
 */
const ANCHOR = '    try {\n      const processedInput = this.processInput(input, context);';
const INJECTED =
  '    context.State = { Name: this.stateName, EnteredTime: (this.localEnteredTime ??= new Date().toISOString()), ' +
  'RetryCount: this.retrierAttempts.reduce((a, b) => a + b, 0) };\n';

/** The library is compiled in Node's own realm, whose `Promise` may differ from the caller's (jest sandboxes globals). */
const PRELUDE =
  'if (typeof Promise.withResolvers !== "function") { Promise.withResolvers = function () { ' +
  'let resolve, reject; const promise = new Promise((res, rej) => { resolve = res; reject = rej; }); ' +
  'return { promise, resolve, reject }; }; }\n';

/** `isPlainObj` compares prototypes with this realm's `Object.prototype`; objects built in a jest sandbox fail it. */
const PLAIN_OBJECT = 'return !!value && Object.getPrototypeOf(value) === Object.prototype;';
const PLAIN_OBJECT_ANY_REALM =
  'return !!value && typeof value === "object" && ((p) => p !== null && Object.getPrototypeOf(p) === null)(Object.getPrototypeOf(value));';

let loaded: { StateMachine: StateMachineCtor; patched: boolean } | undefined;

export function loadInterpreter(): { StateMachine: StateMachineCtor; patched: boolean } {
  if (loaded) return loaded;
  installPromiseWithResolvers();
  const file = require.resolve('aws-local-stepfunctions');
  const source = file.endsWith('.cjs') ? fs.readFileSync(file, 'utf8') : '';
  if (source.split(ANCHOR).length === 2) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const NodeModule = require('module') as {
      new (id: string): { filename: string; paths: string[]; exports: unknown; _compile(code: string, file: string): void };
      _nodeModulePaths(dir: string): string[];
    };
    const m = new NodeModule(file);
    m.filename = file;
    m.paths = NodeModule._nodeModulePaths(path.dirname(file));
    m._compile(PRELUDE + source.replace(ANCHOR, INJECTED + ANCHOR).replace(PLAIN_OBJECT, PLAIN_OBJECT_ANY_REALM), file);
    loaded = { StateMachine: (m.exports as { StateMachine: StateMachineCtor }).StateMachine, patched: true };
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { StateMachine: (require('aws-local-stepfunctions') as { StateMachine: StateMachineCtor }).StateMachine, patched: false };
  }
  return loaded;
}
