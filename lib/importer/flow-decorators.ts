import type { Problem } from '../errors';
import type { S3TriggerField, S3TriggerSpec, ScheduleSpec } from '../graph/model';
import { isPlainObject, readDecoratorArgs, whereOf, type DecoratorSpec, type Site } from './decorator-args';
import type { RawDecorator } from './reader-output';

const SCHEDULE: DecoratorSpec = { args: { cron: 'string', hourly: 'boolean', daily: 'boolean', weekly: 'boolean', timezone: 'string' } };
// Metaflow reads `branch` and `production` from the decorator in each task, as `--branch`/`--production` would.
const PROJECT: DecoratorSpec = { args: { name: 'string', branch: 'string', production: 'boolean' } };

/** Metaflow's `format_name` rules for a project or branch name (`project_decorator.py`). */
const PROJECT_NAME = /^[a-z0-9_]+$/;
const PROJECT_NAME_MAX = 128;
const TRIGGER: DecoratorSpec = {
  args: { event: 'literal', events: 'literal' },
  unsupported: { options: 'event options are Argo Workflows settings' },
};

const REFUSED: Record<string, string> = {
  trigger_on_finish: 'flow-to-flow triggers are not supported (Metaflow supports them on Argo Workflows only)',
  exit_hook: 'exit hooks are not supported',
  conda_base: 'Conda environments are not bootstrapped in the job; bake the packages into the image and set @batch(image=...)',
  pypi_base: 'PyPI environments are not bootstrapped in the job; bake the packages into the image and set @batch(image=...)',
};

export interface FlowDecorations {
  schedule?: ScheduleSpec;
  project?: string;
  triggers?: S3TriggerSpec[];
}

/** Maps class decorators (`@schedule`, `@project`, `@trigger`) onto flow fields, collecting every problem. */
export function readFlowDecorators(decorators: readonly RawDecorator[], site: Site, problems: Problem[], extensions: ReadonlySet<string> = new Set()): FlowDecorations {
  const out: FlowDecorations = {};
  for (const deco of decorators) {
    const where = whereOf(site, deco.line);
    switch (deco.name) {
      case 'schedule': {
        const spec = schedule(readDecoratorArgs(deco, SCHEDULE, site, problems));
        if (spec) out.schedule = { ...spec, source: { file: site.file, line: deco.line } };
        break;
      }
      case 'project': {
        const args = readDecoratorArgs(deco, PROJECT, site, problems);
        if (args.name === '' || (args.name === undefined && !('name' in deco.kwargs))) {
          problems.push({ where, field: '@project(name=...)', value: args.name, message: '@project needs a name', fix: 'write @project(name="my_project")' });
        } else if (typeof args.name === 'string') {
          problems.push(...projectNameProblems(where, 'name', args.name));
          out.project = args.name;
        }
        if (typeof args.branch === 'string' && args.branch !== '') problems.push(...projectNameProblems(where, 'branch', args.branch));
        break;
      }
      case 'trigger': {
        const args = readDecoratorArgs(deco, TRIGGER, site, problems);
        const events = [...(args.event !== undefined ? [args.event] : []), ...(Array.isArray(args.events) ? args.events : [])];
        if (args.events !== undefined && !Array.isArray(args.events)) {
          problems.push({ where, field: '@trigger(events=...)', value: args.events, message: 'must be a list', fix: 'write events=["s3://bucket/prefix*suffix", ...]' });
        }
        if (events.length === 0 && !('event' in deco.kwargs) && !('events' in deco.kwargs)) {
          problems.push({ where, field: '@trigger', value: undefined, message: '@trigger needs an event', fix: S3_TRIGGER_FIX });
        }
        for (const event of events) {
          const trigger = s3Trigger(event);
          if (trigger) out.triggers = [...(out.triggers ?? []), { ...trigger, source: { file: site.file, line: deco.line } }];
          else problems.push({ where, field: '@trigger(event=...)', value: event, message: 'only S3 object-created events can start a flow on AWS (name the bucket)', fix: S3_TRIGGER_FIX });
        }
        break;
      }
      default:
        if (extensions.has(deco.name)) break;
        problems.push({
          where,
          field: `@${deco.name}`,
          value: deco.name,
          message: REFUSED[deco.name] ?? `@${deco.name} is not a flow decorator metaflow-cdk can deploy`,
          fix: `remove @${deco.name} (supported on the class: @schedule, @project, @trigger with an S3 event)${REFUSED[deco.name] ? '' : `, or, if it comes from a Metaflow extension installed in the image, list it in metaflow: { extensionDecorators: ['${deco.name}'] } (CLI: --extension-decorator ${deco.name})`}, or declare the flow with the typed builder`,
        });
    }
  }
  return out;
}

/** Metaflow refuses these in every task (`format_name`), so each run would fail at its first step. */
function projectNameProblems(where: string, field: 'name' | 'branch', value: string): Problem[] {
  if (PROJECT_NAME.test(value) && value.length <= PROJECT_NAME_MAX) return [];
  const what = field === 'name' ? 'The @project name' : 'The branch name';
  const message = PROJECT_NAME.test(value) ? `${what} must be shorter than ${PROJECT_NAME_MAX} characters` : `${what} must contain only lowercase alphanumeric characters and underscores`;
  return [{ where, field: `@project(${field}=...)`, value, message, fix: `write it in lowercase letters, digits and "_", e.g. "${value.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, PROJECT_NAME_MAX)}"` }];
}

const S3_TRIGGER_FIX =
  'write @trigger(event="s3://<bucket>/<prefix>*<suffix>") or @trigger(event={"name": "s3", "bucket": "<bucket>", "prefix": "incoming/", "suffix": ".csv", "parameters": {"<flow parameter>": "key"}})';

/**
 * Metaflow's priority: cron, then weekly, hourly, daily (the default of a bare `@schedule`), each when truthy; with none
 * (`daily=False`, `cron=""`) the flow has no schedule.
 */
function schedule(args: Record<string, unknown>): ScheduleSpec | undefined {
  const timezone = typeof args.timezone === 'string' ? { timezone: args.timezone } : {};
  if (typeof args.cron === 'string' && args.cron !== '') return { cron: args.cron, ...timezone };
  if (args.weekly === true) return { weekly: true, ...timezone };
  if (args.hourly === true) return { hourly: true, ...timezone };
  if (args.daily !== false) return { daily: true, ...timezone };
  return undefined;
}

/** `"s3://bucket/prefix*suffix"` or `{"name": "s3", "bucket", "prefix"?, "suffix"?}`; undefined if neither. */
export function s3Trigger(event: unknown): S3TriggerSpec | undefined {
  if (typeof event === 'string') {
    const match = /^s3:\/\/([^/*]+)(?:\/([^*]*)(?:\*(.*))?)?$/.exec(event);
    if (!match) return undefined;
    const [, bucket, prefix, suffix] = match;
    return { bucket, ...(prefix ? { prefix } : {}), ...(suffix ? { suffix } : {}) };
  }
  if (isPlainObject(event) && event.name === 's3' && typeof event.bucket === 'string' && event.bucket !== '') {
    const extra = Object.keys(event).filter((k) => !['name', 'bucket', 'prefix', 'suffix', 'parameters'].includes(k));
    if (extra.length > 0) return undefined;
    if ((event.prefix !== undefined && typeof event.prefix !== 'string') || (event.suffix !== undefined && typeof event.suffix !== 'string')) return undefined;
    const parameters = triggerParameters(event.parameters);
    if (parameters === null) return undefined;
    return {
      bucket: event.bucket,
      ...(event.prefix ? { prefix: event.prefix as string } : {}),
      ...(event.suffix ? { suffix: event.suffix as string } : {}),
      ...(parameters ? { parameters } : {}),
    };
  }
  return undefined;
}

/**
 * Metaflow's two forms of an event's `parameters`: `{"flow_param": "field"}`, or `["field", ...]` for parameters named
 * like the field. Which fields and parameters are allowed is checked with the flow (`checkFlowFields`); null when
 * the value has neither form.
 */
function triggerParameters(value: unknown): Record<string, S3TriggerField> | undefined | null {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? Object.fromEntries(value.map((v) => [v, v as S3TriggerField])) : null;
  if (isPlainObject(value)) return Object.values(value).every((v) => typeof v === 'string') ? (value as Record<string, S3TriggerField>) : null;
  return null;
}
