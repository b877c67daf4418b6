import * as fs from 'fs';
import * as path from 'path';
import { METAFLOW_FIXTURES } from '../../support/fixtures';

/** Test helper (not a test file): the `graph.json` files Metaflow 2.19.38 wrote for the shared fixture flows. */

export interface MetaflowNode {
  type: string;
  in_funcs: string[];
  out_funcs: string[];
  split_parents: string[];
  split_branches: string[];
  matching_join: string | null;
  is_inside_foreach: boolean;
  foreach_param: string | null;
  num_args: number;
  num_parallel: number;
  decorators: string[];
  /** A switch's cases and condition (recorded for `switch_flow`). */
  switch_cases?: Record<string, string>;
  condition?: string | null;
}

export interface MetaflowDecorator {
  name: string;
  attributes: Record<string, unknown>;
}

export interface MetaflowGraph {
  flow: string;
  start_step: string;
  end_step: string;
  sorted_nodes: string[];
  nodes: Record<string, MetaflowNode>;
  output_steps: { steps: Record<string, { line: number; doc: string; decorators: MetaflowDecorator[] }> };
}

/** The fixture flow folders that have a recorded `graph.json`. */
export const METAFLOW_GRAPH_FLOWS = fs.readdirSync(METAFLOW_FIXTURES).filter((d) => fs.existsSync(path.join(METAFLOW_FIXTURES, d, 'graph.json')));

export function readMetaflowGraph(dir: string): MetaflowGraph {
  return JSON.parse(fs.readFileSync(path.join(METAFLOW_FIXTURES, dir, 'graph.json'), 'utf8')) as MetaflowGraph;
}

/** What `python flow.py check` printed for an invalid fixture flow. */
export function metaflowCheckOutput(invalidCase: string): string {
  return fs.readFileSync(path.join(METAFLOW_FIXTURES, 'invalid', invalidCase, 'metaflow_check.txt'), 'utf8');
}
