export * from './datastore';
