import { stateName } from './asl';

/** Names of the states the compiler adds around steps (a step's own Task is named after the step). */
export const stateNames = {
  fanout: (foreach: string) => stateName(foreach, 'fanout'),
  width: (foreach: string) => stateName(foreach, 'width'),
  tooWide: (foreach: string) => stateName(foreach, 'too_many_splits'),
  map: (foreach: string) => stateName(foreach, 'foreach'),
  chunks: (foreach: string) => stateName(foreach, 'chunks'),
  single: (step: string) => stateName(step, 'single'),
  branches: (split: string) => stateName(split, 'branches'),
  caught: (step: string) => stateName(step, 'catch'),
  retry: (step: string) => stateName(step, 'retry'),
  retryWait: (step: string) => stateName(step, 'retry_wait'),
  retryCount: (step: string) => stateName(step, 'retry_count'),
  failed: (step: string) => stateName(step, 'failed'),
};
