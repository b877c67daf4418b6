import type { JobDetail } from '@aws-sdk/client-batch';
import type { ManifestStep } from '../runtime/manifest';
import { JOB_KEYS } from '../runtime/naming';
import { jobKey, latestJobPerTask } from './aws/jobs';

/** One row of `status`: a step and the Batch jobs that ran it. */
export interface StepStatus {
  readonly step: string;
  readonly type: string | null;
  /** The most advanced state among its jobs, `NOT_STARTED` without jobs. */
  readonly status: string;
  readonly tasks: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly startedAt: Date | undefined;
  readonly stoppedAt: Date | undefined;
  /** Why a job waits in RUNNABLE or failed (Batch `statusReason`, container reason / exit code). */
  readonly reason: string | null;
  readonly jobIds: readonly string[];
}

/** A job (or array child) waiting in RUNNABLE, with Batch's reason. */
export interface RunnableJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly step: string | null;
  readonly queue: string | null;
  readonly since: Date | undefined;
  readonly reason: string | null;
}

// Precedence when a step has jobs in several states: what is still moving wins, then failure.
const PRECEDENCE = ['RUNNING', 'STARTING', 'RUNNABLE', 'PENDING', 'SUBMITTED', 'FAILED', 'SUCCEEDED'];

function dateOf(ms: number | undefined): Date | undefined {
  return ms ? new Date(ms) : undefined;
}

/** Counts per status: an array parent counts its children, any other job counts once. */
function taskCounts(job: JobDetail): Record<string, number> {
  const summary = job.arrayProperties?.statusSummary;
  if (summary && job.arrayProperties?.index === undefined && Object.keys(summary).length) {
    const counts = Object.fromEntries(Object.entries(summary).filter(([, n]) => n > 0));
    if (Object.keys(counts).length) return counts;
  }
  return { [job.status ?? 'UNKNOWN']: 1 };
}

export function failureReason(job: JobDetail): string | null {
  const container = job.container;
  const parts = [job.statusReason, container?.reason, container?.exitCode !== undefined ? `exit code ${container.exitCode}` : undefined];
  const text = parts.filter((p): p is string => Boolean(p)).join('; ');
  return text || null;
}

/** Steps in manifest order (then any step seen only in jobs), each with its jobs' combined state. */
export function summarizeSteps(steps: readonly ManifestStep[] | undefined, jobs: readonly JobDetail[], children: readonly JobDetail[] = []): StepStatus[] {
  const byStep = new Map<string, JobDetail[]>();
  for (const job of jobs) {
    const step = jobKey(job, JOB_KEYS.stepName) ?? '?';
    byStep.set(step, [...(byStep.get(step) ?? []), job]);
  }
  const order = [...(steps ?? []).map((s) => s.name), ...[...byStep.keys()].filter((name) => !(steps ?? []).some((s) => s.name === name))];
  return order.map((name) => {
    const stepJobs = byStep.get(name) ?? [];
    // a job a retry replaced (a retry delay runs each attempt as a job) no longer counts: its task's latest job does
    const current = latestJobPerTask(stepJobs);
    const byStatus: Record<string, number> = {};
    for (const job of current) for (const [status, n] of Object.entries(taskCounts(job))) byStatus[status] = (byStatus[status] ?? 0) + n;
    const status = stepJobs.length === 0 ? 'NOT_STARTED' : PRECEDENCE.find((s) => byStatus[s]) ?? Object.keys(byStatus)[0];
    const starts = stepJobs.map((j) => j.startedAt ?? j.createdAt).filter((t): t is number => Boolean(t));
    const allDone = stepJobs.length > 0 && stepJobs.every((j) => j.status === 'SUCCEEDED' || j.status === 'FAILED');
    const stops = stepJobs.map((j) => j.stoppedAt).filter((t): t is number => Boolean(t));
    const ids = new Set(stepJobs.map((j) => j.jobId));
    const relevant = [...current, ...children.filter((c) => ids.has(c.arrayProperties?.index !== undefined ? c.jobId?.split(':')[0] : undefined))];
    const reasonJob =
      status === 'RUNNABLE' ? relevant.find((j) => j.status === 'RUNNABLE' && j.statusReason) : relevant.find((j) => j.status === 'FAILED' && failureReason(j));
    return {
      step: name,
      type: steps?.find((s) => s.name === name)?.type ?? null,
      status,
      tasks: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
      startedAt: dateOf(starts.length ? Math.min(...starts) : undefined),
      stoppedAt: allDone ? dateOf(stops.length ? Math.max(...stops) : undefined) : undefined,
      reason: reasonJob ? (status === 'RUNNABLE' ? reasonJob.statusReason ?? null : failureReason(reasonJob)) : null,
      jobIds: stepJobs.map((j) => j.jobId as string),
    };
  });
}

/** Jobs and array children waiting in RUNNABLE: the usual sign of a compute environment that cannot place them. */
export function runnableJobs(jobs: readonly JobDetail[], children: readonly JobDetail[] = []): RunnableJob[] {
  return [...jobs, ...children]
    .filter((job) => job.status === 'RUNNABLE' && !(job.arrayProperties?.size && job.arrayProperties.index === undefined))
    .map((job) => ({
      jobId: job.jobId as string,
      jobName: job.jobName ?? '',
      step: jobKey(job, JOB_KEYS.stepName) ?? null,
      queue: job.jobQueue ?? null,
      since: dateOf(job.createdAt),
      reason: job.statusReason ?? null,
    }));
}

export function formatCounts(byStatus: Readonly<Record<string, number>>): string {
  const entries = Object.entries(byStatus);
  return entries.length ? entries.map(([status, n]) => `${n} ${status}`).join(', ') : '-';
}
