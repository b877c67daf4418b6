import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { FLOW_DOCUMENT_FIELDS, FLOW_DOCUMENT_SCHEMA, schemaErrors } from '../../../../lib/graph/document';

const ROOT = path.join(__dirname, '../../../..');
const EXAMPLES = path.join(ROOT, 'examples/graphs');
const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

describe('published JSON Schema', () => {
  it('is a valid draft-07 schema and the one the library loads', () => {
    const onDisk = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema/flow-document.schema.json'), 'utf8'));
    expect(onDisk.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(new Ajv({ strict: true }).validateSchema(onDisk)).toBe(true);
    expect(JSON.parse(JSON.stringify(FLOW_DOCUMENT_SCHEMA))).toEqual(onDisk);
  });

  it('has examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(examples)('accepts examples/graphs/%s', (file) => {
    const doc = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
    expect(schemaErrors(doc)).toEqual([]);
  });

  it('refuses unknown fields, wrong types and out-of-range values', () => {
    const keywords = schemaErrors({
      version: 1,
      name: 'F',
      steps: [{ name: 'start', next: ['end'], memroy: 1, retry: { times: 9 } }, { name: 'end', cpu: 'two' }],
    }).map((e) => `${e.instancePath} ${e.keyword}`);
    expect(keywords).toEqual(expect.arrayContaining(['/steps/0 additionalProperties', '/steps/0/retry/times maximum', '/steps/1/cpu type']));
  });

  it('allows exactly the fields of the TypeScript model (the key lists normalization compiles against)', () => {
    type Definitions = Record<string, { properties: Record<string, unknown> }>;
    const schema = FLOW_DOCUMENT_SCHEMA as unknown as { properties: Record<string, unknown>; definitions: Definitions };
    const sorted = (keys: Iterable<string>) => [...keys].sort();
    expect(sorted(Object.keys(schema.properties))).toEqual(sorted(FLOW_DOCUMENT_FIELDS.document));
    for (const part of ['step', 'settings', 'parameter', 'schedule', 'trigger'] as const) {
      expect({ part, fields: sorted(Object.keys(schema.definitions[part].properties)) }).toEqual({ part, fields: sorted(FLOW_DOCUMENT_FIELDS[part]) });
    }
  });

  it('documents every field it allows', () => {
    const step = (FLOW_DOCUMENT_SCHEMA as { definitions: { step: { properties: Record<string, { description?: string }> } } }).definitions.step;
    const undocumented = Object.entries(step.properties).filter(([, p]) => !p.description).map(([k]) => k);
    expect(undocumented).toEqual([]);
  });
});
