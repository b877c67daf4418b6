export * from './compute-environment';
export * from './launch-template';
export * from './presets';
