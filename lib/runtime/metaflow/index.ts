export * from './deployment';
export * from './step-protocol';
export * from './environment';
export * from './command';
export * from './resources';
export * from './standin';
export { pythonJsonDumps, shlexQuote } from './python-format';
export * from './submit-job';
export * from './states';
