import type { Command } from 'commander';

/** Each command module exports `register(program)`; add one line here per command module. */
type Register = (program: Command) => void;

export const COMMAND_MODULES: ReadonlyArray<() => { register: Register }> = [
  () => require('./validate'),
  () => require('./graph'),
];
