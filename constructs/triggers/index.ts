export * from './flow-schedule';
export * from './s3-upload-trigger';
