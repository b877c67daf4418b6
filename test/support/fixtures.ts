import * as path from 'path';

/**
 * Python Metaflow flows with what Metaflow itself made of them (graph, `show`, Step Functions definition, job
 * definitions, `check` output), kept in the repository so tests need nothing beside the checkout.
 */
export const METAFLOW_FIXTURES = path.join(__dirname, '..', 'fixtures', 'metaflow');
