import type { Command } from 'commander';

/** Each command module exports `register(program)`; add one line here per command module. */
type Register = (program: Command) => void;

export const COMMAND_MODULES: ReadonlyArray<() => { register: Register }> = [
  () => require('./synth'),
  () => require('./deploy'),
  () => require('./diff'),
  () => require('./flows'),
  () => require('./trigger'),
  () => require('./runs'),
  () => require('./status'),
  () => require('./logs'),
  () => require('./batch'),
  () => require('./terminate'),
  () => require('./config'),
  () => require('./validate'),
  () => require('./graph'),
  () => require('./run'),
  () => require('./local-metadata'),
];
