import * as path from 'path';
import { normalizeFlowDocument, parseFlowDocumentJson } from '../graph/document';
import { FlowDocument } from '../graph/model';
import { importPythonFlow } from '../importer/python';
import { CliError, UsageError } from './cli-error';
import { readTextFile } from './output/files';

export interface LoadFlowOptions {
  /** The FlowSpec class to read when a `.py` file declares several (`--flow-class`). */
  readonly flowClass?: string;
  /** Decorators of Metaflow extensions installed in the image (`--extension-decorator`, repeatable). */
  readonly extensionDecorator?: readonly string[];
  /** A Python with Metaflow that evaluates the flow as `step-functions create` does (`--evaluate-with`). */
  readonly evaluateWith?: string;
}

/**
 * Reads a flow file: a JSON flow document (`.json`, shape-checked and normalized) or a Python Metaflow flow
 * (`.py`, through the importer). Graph rules are not checked here: call `validateFlow`/`assertValidFlow`.
 */
export function loadFlow(file: string, options: LoadFlowOptions = {}): FlowDocument {
  const extension = path.extname(file).toLowerCase();
  if (extension !== '.json' && extension !== '.py') {
    throw new CliError(`${file}: expected a JSON flow document (.json) or a Python Metaflow flow file (.py)`);
  }
  if (options.flowClass !== undefined && extension !== '.py') {
    throw new UsageError(`--flow-class picks a class of a Python flow file; ${file} is a JSON flow document, which holds one flow`);
  }
  if (options.extensionDecorator !== undefined && extension !== '.py') {
    throw new UsageError(`--extension-decorator names a decorator of a Python flow file; ${file} is a JSON flow document`);
  }
  if (options.evaluateWith !== undefined && extension !== '.py') {
    throw new UsageError(`--evaluate-with evaluates a Python flow file with Metaflow; ${file} is a JSON flow document`);
  }
  const text = readTextFile(file);
  if (extension === '.py') {
    return normalizeFlowDocument(importPythonFlow(file, {
      flowClass: options.flowClass,
      extensionDecorators: options.extensionDecorator,
      ...(options.evaluateWith !== undefined ? { deployTimeEvaluation: { python: options.evaluateWith } } : {}),
    }));
  }
  return parseFlowDocumentJson(text, file);
}

/** The `--flow-class` option of the commands that read a flow file. */
export const FLOW_CLASS_OPTION = ['--flow-class <name>', 'the FlowSpec class to read when a .py file declares several'] as const;

/** The `--evaluate-with` option: as `metaflow: { deployTimeEvaluation: { python } }` does for `MetaflowFlow`. */
export const EVALUATE_WITH_OPTION = [
  '--evaluate-with <python>',
  'a Python with Metaflow installed: evaluate Config values, IncludeFile defaults, deploy-time parameter functions and config_expr arguments as step-functions create does',
] as const;

/** The `--extension-decorator` option: as `metaflow: { extensionDecorators }` does for `MetaflowFlow`. */
export const EXTENSION_DECORATOR_OPTION = [
  '--extension-decorator <name>',
  'a step or flow decorator of a Metaflow extension installed in the image, deployed as written (repeatable)',
  (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value],
] as const;
