import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ValidationError, type Problem } from '../errors';
import { validateFlow, validateFlowSettings } from '../graph/validate';
import { FLOW_DOCUMENT_VERSION, type FlowDocument, type MetaflowConfigValue, type MetaflowIncludedFile, type ParameterSpec } from '../graph/model';
import { whereOf } from './decorator-args';
import { applyDeployTimeValues, evaluateAtDeployTime, type DeployTimeEvaluation, type DeployTimeValues } from './deploy-time';
import { resolveFlowClass, type ResolvedFlowClass } from './flow-class';
import { readFlowDecorators } from './flow-decorators';
import { readParameters } from './parameters';
import type { RawFlowFile } from './reader-output';
import { METAFLOW_DECORATORS, readStepDecorators, UNBOUNDED_TEST_FOREACH_DECORATOR } from './step-decorators';
import { readStep, secretAccessByStep, stepFlag, writtenRetryDelays } from './steps';

export interface ImportPythonFlowOptions {
  /** FlowSpec class to deploy when the file declares several. @default the only FlowSpec subclass of the file */
  readonly flowClass?: string;
  /** Python interpreter that runs the reader (standard library only). @default `$METAFLOW_CDK_PYTHON` or `python3` */
  readonly python?: string;
  /**
   * Step and flow decorators of Metaflow extensions installed in the image (e.g. an organization's `@audit`):
   * deployed as written, for Metaflow to run inside the task; metaflow-cdk reads neither their arguments nor their
   * effect. @default none
   */
  readonly extensionDecorators?: readonly string[];
  /**
   * Evaluate the flow with the real Metaflow at synth, as `step-functions create` does: `Config` values, the files of
   * `IncludeFile` defaults, deploy-time parameter functions and decorator arguments that read configs then deploy. Without it the file is only read,
   * and such values are refused with their line. @default none: the file is read without running it
   */
  readonly deployTimeEvaluation?: DeployTimeEvaluation;
}

const READER = 'metaflow_flow_reader.py';

/**
 * Reads a Python Metaflow flow file into a flow document without importing or running it (Python's `ast`,
 * standard library only), unless `deployTimeEvaluation` asks Metaflow to evaluate it too. Throws one
 * `ValidationError` with every problem found: syntax errors, non-literal decorator arguments, decorators
 * metaflow-cdk cannot deploy, malformed transitions.
 */
export function importPythonFlow(file: string, options: ImportPythonFlowOptions = {}): FlowDocument {
  const raw = readFlowFile(file, options.python);
  const problems: Problem[] = [];
  if (raw.syntaxError) {
    const { line, column, message, text } = raw.syntaxError;
    throw new ValidationError([{
      where: `${file}:${line}`, field: 'syntax', value: text.trim(),
      message: `Python syntax error at column ${column}: ${message}`, fix: 'fix the syntax (python3 -m py_compile FILE shows the same error)',
    }]);
  }
  const read = resolveFlowClass(raw, file, options.flowClass, problems);
  if (!read) throw new ValidationError(problems);
  const evaluated = options.deployTimeEvaluation ? evaluateAtDeployTime(file, read.cls.name, options.deployTimeEvaluation) : undefined;
  const resolved: ResolvedFlowClass = evaluated ? applyDeployTimeValues(read, evaluated) : read;
  const { cls } = resolved;
  const configs = evaluated ? configsOf(evaluated, file, problems) : undefined;

  // Start/end checks live in the graph validator; the end step is needed here only to tell a missing self.next().
  const flaggedEnd = resolved.steps.filter((step) => stepFlag(step, 'end'));
  const end = resolved.steps.length === 1 ? resolved.steps[0] : flaggedEnd[0] ?? resolved.steps.find((step) => step.name === 'end');
  const extensions = readExtensionDecorators(options.extensionDecorators, file, problems);
  const steps = resolved.steps.map((rawStep) => readStep(rawStep, rawStep === end, file, problems, extensions));
  if (resolved.steps.length === 0) {
    problems.push({ where: whereOf({ file }, cls.line), field: 'steps', value: cls.name, message: 'the flow has no @step methods', fix: 'add @step def start(self) ... and @step def end(self)' });
  }

  const flow = readFlowDecorators(resolved.decorators, { file }, problems, extensions);
  const included = evaluated ? new Map(evaluated.includeFiles.map((f) => [f.attribute, f.file])) : undefined;
  const parameters = readParameters(resolved.parameters, { file }, problems, included);
  const includeFiles = evaluated ? includedFilesOf(evaluated, parameters, file, problems) : undefined;

  const absolute = path.resolve(file);
  const retryDelays = writtenRetryDelays(resolved.steps);
  const unboundedForeachSteps = resolved.steps.filter((step) => step.decorators.some((d) => d.name === UNBOUNDED_TEST_FOREACH_DECORATOR)).map((step) => step.name);
  const secretAccess = secretAccessByStep(resolved.steps, file);
  const doc: FlowDocument = {
    version: FLOW_DOCUMENT_VERSION,
    name: cls.name,
    ...(cls.doc ? { doc: cls.doc } : {}),
    runtime: {
      kind: 'metaflow',
      flowFile: path.basename(absolute),
      flowClass: cls.name,
      directory: path.dirname(absolute),
      ...(flow.project !== undefined ? { project: flow.project } : {}),
      ...(Object.keys(retryDelays).length > 0 ? { retryDelayMinutes: retryDelays } : {}),
      ...(unboundedForeachSteps.length > 0 ? { unboundedForeachSteps } : {}),
      ...(Object.keys(secretAccess).length > 0 ? { secretAccess } : {}),
      ...(configs !== undefined && Object.keys(configs).length > 0 ? { configs } : {}),
      ...(includeFiles !== undefined && Object.keys(includeFiles).length > 0 ? { includeFiles } : {}),
    },
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(flow.schedule ? { schedule: flow.schedule } : {}),
    ...(flow.triggers ? { triggers: flow.triggers } : {}),
    steps,
  };
  // The values that did read are judged now too, so one run names every mistake instead of revealing them in turns.
  if (problems.length > 0) throw new ValidationError([...problems, ...validateFlowSettings(doc), ...unreadBasesProblem(resolved, file)]);
  // A step or parameter of a base imported from another module is missing from the document: say so beside the
  // graph problems it causes (an unknown step, a missing end), not only the symptom.
  if (resolved.unreadBases.length > 0) {
    const graph = validateFlow(doc);
    if (graph.length > 0) throw new ValidationError([...graph, ...unreadBasesProblem(resolved, file)]);
  }
  return doc;
}

function unreadBasesProblem(resolved: ResolvedFlowClass, file: string): Problem[] {
  if (resolved.unreadBases.length === 0) return [];
  return [{
    where: whereOf({ file }, resolved.cls.line), field: 'bases', value: resolved.unreadBases,
    message: `${resolved.unreadBases.join(', ')} ${resolved.unreadBases.length > 1 ? 'come' : 'comes'} from another module, which metaflow-cdk does not read: steps, parameters and flow decorators declared there are missing from the flow`,
    fix: 'declare them in the flow file, or move the base class into it',
  }];
}

/**
 * The Secrets Manager ids a flow file's `@secrets` name, read without judging anything else in the file (it was
 * judged at synth, with the deployment's options): what a local run needs values for.
 */
export function pythonFlowSecretIds(file: string, options: ImportPythonFlowOptions = {}): string[] {
  const raw = readFlowFile(file, options.python);
  const resolved = raw.syntaxError ? undefined : resolveFlowClass(raw, file, options.flowClass, []);
  const ids = new Set<string>();
  for (const step of resolved?.steps ?? []) {
    for (const id of readStepDecorators(step.decorators, { file, step: step.name }, []).settings.secrets ?? []) ids.add(id);
  }
  return [...ids];
}

/** The evaluated `Config` values in the document's form; a value without a JSON form is a problem. */
function configsOf(values: DeployTimeValues, file: string, problems: Problem[]): Record<string, MetaflowConfigValue> {
  if (values.configValues === null) {
    problems.push({
      where: `${file} (deployTimeEvaluation)`, field: 'Config', value: values.unrepresentableConfigValues,
      message: 'a Config value has no JSON form, so it cannot travel in the code package', fix: 'make the config (or its parser) return JSON-compatible values: dicts, lists, strings, numbers, booleans, None',
    });
    return {};
  }
  return Object.fromEntries(Object.entries(values.configValues).map(([name, [value, plain]]) => [name, { value, plain }]));
}

/** The files of evaluated `IncludeFile` defaults, by parameter name; a file that cannot be read is a problem now. */
function includedFilesOf(values: DeployTimeValues, parameters: readonly ParameterSpec[], file: string, problems: Problem[]): Record<string, MetaflowIncludedFile> {
  const out: Record<string, MetaflowIncludedFile> = {};
  for (const included of values.includeFiles) {
    if (included.file === undefined || !parameters.some((p) => p.name === included.name)) continue;
    try {
      if (!fs.statSync(included.file.path).isFile()) throw new Error('not a regular file');
    } catch (error) {
      problems.push({ where: `${file} (deployTimeEvaluation)`, field: `IncludeFile("${included.name}")`, value: included.file.path, message: `the file cannot be read: ${(error as Error).message}`, fix: 'make the default name a readable file, relative to the flow\'s folder' });
      continue;
    }
    out[included.name] = included.file;
  }
  return out;
}

/** `extensionDecorators` as a set; Metaflow's own decorators are not extensions (metaflow-cdk reads or refuses them). */
function readExtensionDecorators(names: readonly string[] | undefined, file: string, problems: Problem[]): ReadonlySet<string> {
  for (const name of names ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push({ where: file, field: 'extensionDecorators', value: name, message: 'not a decorator name', fix: 'give the name as written after @, e.g. "audit" for @audit' });
    } else if (METAFLOW_DECORATORS.has(name)) {
      problems.push({ where: file, field: 'extensionDecorators', value: name, message: `@${name} is Metaflow's own decorator, which metaflow-cdk reads (or refuses with its reason)`, fix: `remove "${name}" from extensionDecorators` });
    }
  }
  return new Set(names ?? []);
}

/** Runs the stdlib-only Python reader and parses what it prints. */
export function readFlowFile(file: string, python?: string): RawFlowFile {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new ValidationError([{ where: file, field: 'file', value: file, message: 'the flow file does not exist', fix: 'pass the path of a Python file that declares a FlowSpec subclass' }]);
  }
  const interpreter = python ?? process.env.METAFLOW_CDK_PYTHON ?? 'python3';
  const result = spawnSync(interpreter, [readerPath(), file], { encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  if (result.error) {
    throw new ValidationError([{
      where: file, field: 'python', value: interpreter, message: `cannot run the Python flow reader: ${result.error.message}`,
      fix: 'install Python 3.8+ (standard library only) or point METAFLOW_CDK_PYTHON at an interpreter',
    }]);
  }
  if (result.status !== 0) {
    throw new ValidationError([{
      where: file, field: 'file', value: file, message: `the Python flow reader failed: ${(result.stderr || '').trim() || `exit code ${result.status}`}`,
      fix: 'check that the file is readable UTF-8 Python source',
    }]);
  }
  return JSON.parse(result.stdout) as RawFlowFile;
}

/** The reader sits next to this module in the source tree; a compiled copy under dist/ finds it in lib/. */
function readerPath(): string {
  const candidates = [path.join(__dirname, READER), path.resolve(__dirname, '..', '..', '..', 'lib', 'importer', READER)];
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? candidates[0];
}
