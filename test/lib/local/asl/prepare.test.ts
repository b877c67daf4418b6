import { LOCAL_DISTRIBUTED_MAP_RESOURCE, NO_TASK_TIMEOUT_SECONDS, prepareDefinition } from '../../../../lib/local/asl/prepare';

const definition = {
  StartAt: 't',
  States: {
    t: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'x.$': '$$.Execution.Input.Parameters' }, Next: 'm' },
    m: {
      Type: 'Map',
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'in', States: { in: { Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob.sync', TimeoutSeconds: 5, End: true } } },
      Next: 'd',
    },
    d: {
      Type: 'Map',
      MaxConcurrency: 7,
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Bucket.$': '$.b', Key: 'k' } },
      ItemSelector: { 'i.$': '$$.Map.Item.Value' },
      ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'run.$': '$.run' } },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'p' } },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'child', States: { child: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', End: true } } },
      ResultPath: '$.r',
      Retry: [{ ErrorEquals: ['States.ALL'] }],
      End: true,
    },
  },
};

describe('prepareDefinition', () => {
  const prepared = prepareDefinition(definition);
  const states = prepared.definition.States as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  test('reads $$.Execution.Input from a context key that survives into Map iterations', () => {
    expect(states.t.Parameters['x.$']).toBe('$$.LocalExecutionInput.Parameters');
  });

  test('gives Tasks without a timeout none (the interpreter would stop them after 60 s), keeps explicit ones', () => {
    expect(states.t.TimeoutSeconds).toBe(NO_TASK_TIMEOUT_SECONDS);
    expect(states.m.ItemProcessor.States.in.TimeoutSeconds).toBe(5);
  });

  test('turns a Distributed Map into a Task of the map runner, keeping Retry/ResultPath/End', () => {
    expect(states.d).toEqual({
      Type: 'Task',
      Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE,
      Parameters: { 'Input.$': '$', Reader: { 'Bucket.$': '$.b', Key: 'k' }, Writer: { Bucket: 'b', Prefix: 'p' }, BatchInput: { 'run.$': '$.run' } },
      ResultPath: '$.r',
      Retry: [{ ErrorEquals: ['States.ALL'] }],
      End: true,
      TimeoutSeconds: NO_TASK_TIMEOUT_SECONDS,
    });
    const plan = prepared.distributedMaps.get('d')!;
    expect(plan).toMatchObject({ maxConcurrency: 7, itemSelector: { 'i.$': '$$.Map.Item.Value' }, itemBatcher: { MaxItemsPerBatch: 2 } });
    expect(plan.processor.States.child.TimeoutSeconds).toBe(NO_TASK_TIMEOUT_SECONDS);
  });

  test('lists every Task at any depth with its resource, and refuses one name with two resources', () => {
    expect([...prepared.tasks.entries()]).toEqual([
      ['t', 'arn:aws:states:::lambda:invoke'],
      ['in', 'arn:aws:states:::batch:submitJob.sync'],
      ['child', 'arn:aws:states:::dynamodb:getItem'],
      ['d', LOCAL_DISTRIBUTED_MAP_RESOURCE],
    ]);
    const clash = {
      StartAt: 'p',
      States: {
        p: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'x', States: { x: { Type: 'Task', Resource: 'a', End: true } } },
            { StartAt: 'x', States: { x: { Type: 'Task', Resource: 'b', End: true } } },
          ],
          End: true,
        },
      },
    };
    expect(() => prepareDefinition(clash)).toThrow(/x are used twice/);
  });
});
