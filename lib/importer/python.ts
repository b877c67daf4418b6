import type { FlowDocument } from '../graph/model';
import { ValidationError } from '../errors';

/** Reads a Python Metaflow flow file into a flow document. (Replaced by the importer of issue 7.) */
export function importPythonFlow(file: string): FlowDocument {
  throw new ValidationError([
    { where: file, field: 'file', value: file, message: 'Python flow files are not supported yet', fix: 'pass a JSON flow document' },
  ]);
}
