import type { Command } from 'commander';

/** Each command module exports `register(program)`; add one line here per command, in the order help lists them. */
type Register = (program: Command) => void;

/**
 * Loaded only when needed: a call names one command, and only that module (with its SDK clients, CDK and local
 * engine imports) loads; help and unknown commands load them all.
 */
export const COMMAND_MODULES: Readonly<Record<string, () => { register: Register }>> = {
  synth: () => require('./synth'),
  deploy: () => require('./deploy'),
  diff: () => require('./diff'),
  flows: () => require('./flows'),
  trigger: () => require('./trigger'),
  runs: () => require('./runs'),
  status: () => require('./status'),
  logs: () => require('./logs'),
  batch: () => require('./batch'),
  terminate: () => require('./terminate'),
  config: () => require('./config'),
  validate: () => require('./validate'),
  graph: () => require('./graph'),
  run: () => require('./run'),
  'local-metadata': () => require('./local-metadata'),
};
