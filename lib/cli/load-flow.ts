import * as fs from 'fs';
import * as path from 'path';
import { normalizeFlowDocument, parseFlowDocumentJson } from '../graph/document';
import { FlowDocument } from '../graph/model';
import { importPythonFlow } from '../importer/python';
import { CliError } from './program';

/**
 * Reads a flow file: a JSON flow document (`.json`, shape-checked and normalized) or a Python Metaflow flow
 * (`.py`, through the importer). Graph rules are not checked here: call `validateFlow`/`assertValidFlow`.
 */
export async function loadFlow(file: string): Promise<FlowDocument> {
  const extension = path.extname(file).toLowerCase();
  if (extension !== '.json' && extension !== '.py') {
    throw new CliError(`${file}: expected a JSON flow document (.json) or a Python Metaflow flow file (.py)`);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new CliError(`cannot read ${file}: ${reason}`);
  }
  if (extension === '.py') return normalizeFlowDocument(await importPythonFlow(file));
  return parseFlowDocumentJson(text, file);
}
