import { s3Trigger } from '../../../lib/importer/flow-decorators';
import { flowWith, importSource, problemsOf } from './import-source';

const flow = (decorators: string[]) => importSource(flowWith({ classDecorators: decorators }));
/** A schedule or trigger as read, apart from where it was declared. */
const read = <T extends { source?: unknown }>(part: T | undefined) => {
  const { source: _source, ...rest } = part!;
  return rest;
};

describe('flow decorators', () => {
  test('@schedule follows Metaflow: cron, else weekly, hourly, daily (the default)', () => {
    expect(read(flow(['@schedule']).schedule)).toEqual({ daily: true });
    expect(read(flow(['@schedule(hourly=True)']).schedule)).toEqual({ hourly: true });
    expect(read(flow(['@schedule(weekly=True, hourly=True)']).schedule)).toEqual({ weekly: true });
    expect(read(flow(['@schedule(cron="0 12 * * ? *", daily=True, timezone="Europe/Berlin")']).schedule)).toEqual({ cron: '0 12 * * ? *', timezone: 'Europe/Berlin' });
    expect(flow(['@schedule']).schedule?.source).toEqual({ file: expect.stringMatching(/flow_\d+\.py$/), line: 3 });
    // each only when truthy: with none the flow has no schedule, as in Metaflow's schedule_decorator
    expect(flow(['@schedule(daily=False)']).schedule).toBeUndefined();
    expect(flow(['@schedule(hourly=False, daily=False)']).schedule).toBeUndefined();
    expect(read(flow(['@schedule(cron="")']).schedule)).toEqual({ daily: true });
    expect(read(flow(['@schedule(hourly=False)']).schedule)).toEqual({ daily: true });
  });

  test('@project names the project', () => {
    const doc = flow(['@project(name="ranking")']);
    expect(doc.runtime).toMatchObject({ kind: 'metaflow', project: 'ranking' });
    expect(problemsOf(flowWith({ classDecorators: ['@project'] }))[0].message).toMatch(/needs a name/);
    // Metaflow 2.19 reads branch and production from the decorator in each task
    expect(importSource(flowWith({ classDecorators: ['@project(name="p", branch="b", production=False)'] })).runtime).toMatchObject({ project: 'p' });
    expect(problemsOf(flowWith({ classDecorators: ['@project(name="My-Proj", branch="Dev")'] })).map((p) => [p.field, p.message])).toEqual([
      ['@project(name=...)', 'The @project name must contain only lowercase alphanumeric characters and underscores'],
      ['@project(branch=...)', 'The branch name must contain only lowercase alphanumeric characters and underscores'],
    ]);
    expect(problemsOf(flowWith({ classDecorators: ['@project(name="")'] }))[0].message).toMatch(/needs a name/);
    expect(problemsOf(flowWith({ classDecorators: [`@project(name="${'p'.repeat(129)}")`] }))[0].message).toBe('The @project name must be shorter than 128 characters');
  });

  test('@trigger with S3 events becomes S3 triggers; other events are refused', () => {
    expect(flow(['@trigger(event="s3://in-bucket/incoming/*.csv")']).triggers?.map(read)).toEqual([{ bucket: 'in-bucket', prefix: 'incoming/', suffix: '.csv' }]);
    expect(flow(['@trigger(events=["s3://a", {"name": "s3", "bucket": "b", "prefix": "p/"}])']).triggers?.map(read)).toEqual([{ bucket: 'a' }, { bucket: 'b', prefix: 'p/' }]);
    const problems = problemsOf(flowWith({ classDecorators: ['@trigger(events=["s3", {"name": "data_ready", "parameters": {}}])'] }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ field: '@trigger(event=...)', value: 's3' });
    expect(problems[0].fix).toMatch(/s3:\/\/<bucket>/);
  });

  test("@trigger's parameters hand the object's bucket or key to flow parameters, in both of Metaflow's forms", () => {
    const doc = importSource(flowWith({
      classDecorators: ['@trigger(events=[{"name": "s3", "bucket": "in", "parameters": {"input_key": "key"}}, {"name": "s3", "bucket": "b2", "parameters": ["key", "bucket"]}])'],
      body: ['input_key = Parameter("input_key", default="")', 'key = Parameter("key", default="")', 'bucket = Parameter("bucket", default="")'],
    }));
    expect(doc.triggers?.map(read)).toEqual([{ bucket: 'in', parameters: { input_key: 'key' } }, { bucket: 'b2', parameters: { key: 'key', bucket: 'bucket' } }]);
    expect(doc.triggers?.map((t) => t.source?.line)).toEqual([3, 3]);
    expect(s3Trigger({ name: 's3', bucket: 'b', parameters: 'key' })).toBeUndefined();
    expect(s3Trigger({ name: 's3', bucket: 'b', parameters: { p: 1 } })).toBeUndefined();
  });

  test('s3Trigger parses URLs and dicts and rejects anything else', () => {
    expect(s3Trigger('s3://b/x/y/')).toEqual({ bucket: 'b', prefix: 'x/y/' });
    expect(s3Trigger('s3://b/*.json')).toEqual({ bucket: 'b', suffix: '.json' });
    expect(s3Trigger('https://b/x')).toBeUndefined();
    expect(s3Trigger({ name: 's3', bucket: 'b', extra: 1 })).toBeUndefined();
    expect(s3Trigger({ name: 's3', bucket: 'b', prefix: 3 })).toBeUndefined();
  });

  test('flow decorators Step Functions cannot run are refused', () => {
    const problems = problemsOf(flowWith({
      imports: 'from metaflow import FlowSpec, step, trigger_on_finish, exit_hook, conda_base',
      classDecorators: ['@trigger_on_finish(flow="Other")', '@exit_hook(on_success=[f])', '@conda_base(python="3.11")'],
    }));
    expect(problems.map((p) => p.field)).toEqual(['@trigger_on_finish', '@exit_hook', '@conda_base']);
    expect(problems.every((p) => /flow_\d+\.py:\d+$/.test(p.where))).toBe(true);
  });
});

describe('retry delays', () => {
  test('the runtime records only delays the file writes; a bare @retry keeps Metaflow\'s default 2 in the step', () => {
    const doc = importSource(flowWith({ startDecorators: ['@retry'] }));
    expect(doc.steps.find((s) => s.name === 'start')!.retry).toEqual({ times: 3, minutesBetweenRetries: 2 });
    expect(doc.runtime).not.toHaveProperty('retryDelayMinutes');
    const written = importSource(flowWith({ startDecorators: ['@retry(times=1, minutes_between_retries=5)'] }));
    expect(written.runtime).toMatchObject({ kind: 'metaflow', retryDelayMinutes: { start: 5 } });
  });
});
