import { formatFlowDocument, normalizeFlowDocument, parseFlowDocumentJson } from '../../../../lib/graph/document';
import { FlowDocument } from '../../../../lib/graph/model';

describe('normalizeFlowDocument', () => {
  const messy = {
    steps: [{ memory: 1024, next: ['end'], name: 'start', cpu: 2, doc: undefined }, { name: 'end' }],
    schedule: { timezone: 'UTC', cron: '0 1 * * ? *' },
    parameters: [{ help: 'h', type: 'string', name: 'p' }],
    triggers: [{ suffix: '.csv', bucket: 'b' }],
    name: 'F',
    version: 1,
  } as unknown as FlowDocument;

  it('orders keys as the schema does and drops undefined', () => {
    const doc = normalizeFlowDocument(messy);
    expect(Object.keys(doc)).toEqual(['version', 'name', 'parameters', 'schedule', 'triggers', 'steps']);
    expect(Object.keys(doc.steps[0])).toEqual(['name', 'next', 'cpu', 'memory']);
    expect(Object.keys(doc.parameters![0])).toEqual(['name', 'type', 'help']);
    expect(Object.keys(doc.schedule!)).toEqual(['cron', 'timezone']);
    expect(Object.keys(doc.triggers![0])).toEqual(['bucket', 'suffix']);
    expect(doc.steps[1].next).toEqual([]);
  });

  it('is idempotent and round-trips through JSON text', () => {
    const once = normalizeFlowDocument(messy);
    expect(normalizeFlowDocument(once)).toEqual(once);
    const text = formatFlowDocument(messy);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseFlowDocumentJson(text)).toEqual(once);
    expect(formatFlowDocument(parseFlowDocumentJson(text))).toBe(text);
  });
});
