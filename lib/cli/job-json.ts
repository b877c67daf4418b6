import type { JobDetail } from '@aws-sdk/client-batch';
import { JOB_KEYS } from '../runtime/naming';
import { jobKey } from './aws/jobs';
import type { Column } from './output/table';

/** The `--json` shape of one Batch job (used by `batch list`, `batch kill` and `terminate`). */
export function jobJson(job: JobDetail) {
  return {
    jobId: job.jobId ?? null,
    jobName: job.jobName ?? null,
    status: job.status ?? null,
    statusReason: job.statusReason ?? null,
    flow: jobKey(job, JOB_KEYS.flowName) ?? null,
    runId: jobKey(job, JOB_KEYS.runId) ?? null,
    step: jobKey(job, JOB_KEYS.stepName) ?? null,
    user: jobKey(job, JOB_KEYS.user) ?? null,
    jobQueue: job.jobQueue ?? null,
    arraySize: job.arrayProperties?.index === undefined ? job.arrayProperties?.size ?? null : null,
    createdAt: job.createdAt ? new Date(job.createdAt).toISOString() : null,
  };
}

export const JOB_COLUMNS: readonly Column<JobDetail>[] = [
  { header: 'JOB ID', value: (j) => j.jobId ?? '-' },
  { header: 'NAME', value: (j) => j.jobName ?? '-' },
  { header: 'STATUS', value: (j) => j.status ?? '-' },
  { header: 'STEP', value: (j) => jobKey(j, JOB_KEYS.stepName) ?? '-' },
  { header: 'RUN ID', value: (j) => jobKey(j, JOB_KEYS.runId) ?? '-' },
  { header: 'USER', value: (j) => jobKey(j, JOB_KEYS.user) ?? '-' },
  { header: 'QUEUE', value: (j) => j.jobQueue?.split('/').pop() ?? '-' },
];
