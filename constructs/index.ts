export * from './infrastructure/contract';
export * from './compute';
export * from './coordination';
export * from './datastore';
export * from './infrastructure';
export * from './queues';
export * from './security';
