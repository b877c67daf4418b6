export * from './database';
export * from './endpoint';
export * from './metadata-service';
export * from './migration';
export * from './restart-on-rotation';
