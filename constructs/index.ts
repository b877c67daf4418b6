export * from './infrastructure/contract';
