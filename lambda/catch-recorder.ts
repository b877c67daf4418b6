import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CATCH_RECORD_FILE } from '../lib/runtime/env';
import { s3Client } from './clients';
import { LAMBDA_ENV, requireEnv } from './env';

export interface CatchEvent {
  readonly step: string;
  /** `@catch(var=...)`: the name later steps look the failure up by. */
  readonly var?: string;
  readonly runId: string;
  readonly taskId: string;
  readonly error: string;
  readonly cause: string;
  /** A multi-node step: its nodes' tasks are `<taskId>-<node>`, and the failure is stored under each. */
  readonly nodes?: number;
}

/** What later steps read from `<task root>/_catch.json` of a step that failed under `@catch`. */
export interface CatchRecord {
  readonly step: string;
  readonly taskId: string;
  readonly var?: string;
  readonly error: string;
  /** The failure's cause; Batch gives the job description as JSON text, parsed when it is JSON. */
  readonly cause: unknown;
  readonly recordedAt: string;
}

function parseCause(cause: string): unknown {
  try {
    return JSON.parse(cause);
  } catch {
    return cause;
  }
}

/** `@catch`: stores the failure of a step in the datastore, so the run goes on and later steps can read it. */
export async function handler(event: CatchEvent): Promise<{ key: string }> {
  const flow = requireEnv(LAMBDA_ENV.flowName);
  const bucket = requireEnv(LAMBDA_ENV.bucket);
  const prefix = process.env[LAMBDA_ENV.prefix] ?? '';
  const taskIds = event.nodes !== undefined ? Array.from({ length: event.nodes }, (_, node) => `${event.taskId}-${node}`) : [event.taskId];
  const keys: string[] = [];
  for (const taskId of taskIds) {
    const key = [prefix, flow, event.runId, event.step, taskId, CATCH_RECORD_FILE].filter((p) => p !== '').join('/');
    const record: CatchRecord = {
      step: event.step,
      taskId,
      ...(event.var ? { var: event.var } : {}),
      error: event.error,
      cause: parseCause(event.cause),
      recordedAt: new Date().toISOString(),
    };
    await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(record), ContentType: 'application/json' }));
    keys.push(key);
  }
  return { key: keys[0] };
}
