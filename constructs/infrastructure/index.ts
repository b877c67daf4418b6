export * from './config-export';
export * from './defaults';
export * from './metaflow-infrastructure';
export * from './network';
export * from './props';
