export * from './metaflow-flow';
export * from './job-definitions';
export * from './coordination-functions';
export * from './flow-role';
export * from './metaflow-runtime';
