export * from './events-role';
export * from './execution-role';
export * from './job-role';
export * from './permissions-boundary';
export * from './secrets';
export * from './state-machine-role';
export * from './acknowledgements';
