export * from './define-flow';
export * from './steps';
