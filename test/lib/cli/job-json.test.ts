import { JOB_COLUMNS, jobJson } from '../../../lib/cli/job-json';
import { arrayJob, job } from './harness';

describe('jobJson', () => {
  test('array size only on the parent; keys from tags when parameters lack them', () => {
    const [parent, child] = arrayJob('F', 't', 'sfn-r', 'p', ['RUNNING']);
    expect(jobJson(parent).arraySize).toBe(1);
    expect(jobJson(child).arraySize).toBeNull();
    const tagged = jobJson(job('F', 's', 'r', 'RUNNING', { parameters: {}, tags: { 'metaflow.flow_name': 'T', 'metaflow.run_id': 'sfn-x' } }));
    expect(tagged).toMatchObject({ flow: 'T', runId: 'sfn-x', step: null, user: null });
  });

  test('table columns show the queue name, not its ARN', () => {
    const queue = JOB_COLUMNS.find((c) => c.header === 'QUEUE');
    expect(queue?.value(job('F', 's', 'r', 'RUNNING'))).toBe('q1');
  });
});
