export * from './coordination-table';
