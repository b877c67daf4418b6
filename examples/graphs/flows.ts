/**
 * The example flows of examples/graphs, written with the typed builder. Each `<name>.json` next to this file is
 * `formatFlowDocument` of the flow here (test/lib/graph/builder/define-flow.test.ts keeps them equal).
 */
import { FlowDocument, branch, defineFlow, end, foreach, join, linear, numParallel, parallelStep } from '../../lib/graph';

export const hello = defineFlow({
  name: 'HelloFlow',
  doc: 'Three steps in a row, each a generic container command.',
  defaults: { image: 'public.ecr.aws/docker/library/python:3.12-slim', cpu: 1, memory: 2048 },
  steps: {
    start: linear('hello', { command: ['python', '-c', 'print("start")'] }),
    hello: linear('end', { command: ['python', '-c', 'print("hello")'], retry: { times: 2, minutesBetweenRetries: 1 }, timeoutSeconds: 600 }),
    end: end({ command: ['python', '-c', 'print("done")'] }),
  },
});

export const branchFlow = defineFlow({
  name: 'BranchFlow',
  doc: 'A static split into two branches (one of them two steps long) and a join.',
  defaults: { image: 'public.ecr.aws/docker/library/python:3.12-slim' },
  steps: {
    start: branch(['left', 'right']),
    left: linear('merge', { cpu: 2, memory: 8192 }),
    right: linear('right_tail'),
    right_tail: linear('merge'),
    merge: join('end'),
    end: end(),
  },
});

export const foreachFlow = defineFlow({
  name: 'ForeachFlow',
  doc: 'A foreach over a list with a two-step body, then a join.',
  defaults: { image: 'public.ecr.aws/docker/library/python:3.12-slim' },
  maxWorkers: 8,
  maxNumSplits: 500,
  steps: {
    start: foreach('letters', 'upper'),
    upper: linear('decorate', { retry: { times: 3 } }),
    decorate: linear('gather'),
    gather: join('end'),
    end: end(),
  },
});

export const nestedForeach = defineFlow({
  name: 'GridFlow',
  doc: 'A foreach whose body is another foreach with a branch inside.',
  steps: {
    start: foreach('rows', 'row'),
    row: foreach('cols', 'cell'),
    cell: branch(['fast', 'slow']),
    fast: linear('cell_join', { cpu: 0.5, memory: 1024 }),
    slow: linear('cell_join', { cpu: 4, memory: 16384, gpu: 1 }),
    cell_join: join('join_cols'),
    join_cols: join('join_rows'),
    join_rows: join('end'),
    end: end(),
  },
});

export const parallel = defineFlow({
  name: 'DistributedTrainingFlow',
  doc: 'Multi-node parallel training on four nodes (a Batch multi-node job).',
  steps: {
    start: numParallel(4, 'train'),
    train: parallelStep('gather', { cpu: 8, memory: 32768, gpu: 1, efa: 1, sharedMemory: 4096 }),
    gather: join('end'),
    end: end(),
  },
});

export const scheduledEtl = defineFlow({
  name: 'NightlyEtlFlow',
  doc: 'Every setting of a flow: defaults, parameters, a schedule in a time zone, S3 triggers, secrets, tags.',
  runtime: { kind: 'generic' },
  defaults: {
    image: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/etl:1.4.2',
    queue: 'default',
    cpu: 2,
    memory: 8192,
    retry: { times: 1 },
    environment: { LOG_LEVEL: 'info' },
    awsBatchTags: { team: 'data' },
  },
  parameters: {
    date: { type: 'string', help: 'Partition to process (YYYY-MM-DD); empty means yesterday.', default: '' },
    'batch-size': { type: 'number', default: 500 },
    dry_run: { type: 'boolean', default: false },
    options: { type: 'json', default: { dedupe: true } },
  },
  schedule: { cron: '30 2 * * ? *', timezone: 'Europe/Berlin' },
  triggers: [{ bucket: 'acme-landing', prefix: 'incoming/', suffix: '.csv' }],
  maxWorkers: 32,
  maxNumSplits: 1000,
  workflowTimeoutSeconds: 6 * 3600,
  tags: { 'cost-center': 'analytics' },
  steps: {
    start: linear('extract', { command: ['etl', 'plan'] }),
    extract: foreach('partitions', 'transform', { command: ['etl', 'extract'], secrets: ['etl/source-db'] }),
    transform: linear('load', { command: ['etl', 'transform'], useTmpfs: true, tmpfsSize: 2048, catch: { var: 'transform_error' } }),
    load: join('end', { command: ['etl', 'load'], timeoutSeconds: 3600, retry: { times: 4, minutesBetweenRetries: 5 } }),
    end: end({ command: ['etl', 'report'], cpu: 0.5, memory: 2048, ephemeralStorage: 30, queue: 'fargate' }),
  },
});

/** File name (without `.json`) → flow, with the `$schema` the JSON files carry for editors. */
export const EXAMPLE_GRAPHS: Readonly<Record<string, FlowDocument>> = Object.fromEntries(
  Object.entries({ hello, branch: branchFlow, foreach: foreachFlow, 'nested-foreach': nestedForeach, parallel, 'scheduled-etl': scheduledEtl }).map(
    ([file, doc]) => [file, { $schema: '../../schema/flow-document.schema.json', ...doc }],
  ),
);
