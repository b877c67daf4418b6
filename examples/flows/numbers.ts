import { branch, defineFlow, end, foreach, join, linear } from '../../lib/graph/builder';

const run = (step: string): string[] => ['node', 'examples/steps/numbers.mjs', step];
const grid = (step: string): string[] => ['node', 'examples/steps/grid.mjs', step];

/**
 * Branch + foreach + join with steps that compute something: the sum of squares, the mean and the variance of
 * 1..count. Steps are Node scripts using the AWS SDK (`examples/steps/numbers.mjs`); on AWS the image must contain
 * them (`node:22-slim` plus this repository's `examples/steps` and `@aws-sdk/client-s3`).
 */
export const numbersFlow = defineFlow({
  name: 'NumbersFlow',
  doc: 'Sum of squares, mean and variance of 1..count: a branch whose one side is a foreach.',
  parameters: { count: { type: 'number', default: 10, help: 'how many numbers' } },
  defaults: { cpu: 1, memory: 2048 },
  maxNumSplits: 1000,
  steps: {
    start: branch(['squares', 'stats'], { command: run('start') }),
    squares: foreach('numbers', 'square', { command: run('squares') }),
    square: linear('sum_squares', { command: run('square'), retry: { times: 1 } }),
    sum_squares: join('combine', { command: run('sum_squares') }),
    stats: linear('combine', { command: run('stats') }),
    combine: join('end', { command: run('combine') }),
    end: end({ command: run('end') }),
  },
});

/** A nested foreach (a branch inside each split), so the Distributed Map strategy has an example too. */
export const gridFlow = defineFlow({
  name: 'GridFlow',
  doc: 'For each row, two computations in parallel: a foreach whose body is not a chain.',
  parameters: { rows: { type: 'number', default: 3, help: 'how many rows' } },
  defaults: { cpu: 1, memory: 2048 },
  maxNumSplits: 1000,
  steps: {
    start: foreach('rows', 'row', { command: grid('start') }),
    row: branch(['left', 'right'], { command: grid('row') }),
    left: linear('row_join', { command: grid('left') }),
    right: linear('row_join', { command: grid('right') }),
    row_join: join('rows_join', { command: grid('row_join') }),
    rows_join: join('end', { command: grid('rows_join') }),
    end: end({ command: grid('end') }),
  },
});
