export * from './lib/errors';
export * from './lib/graph/model';
export * from './lib/runtime/naming';
export * from './lib/runtime/manifest';
export * from './constructs';
