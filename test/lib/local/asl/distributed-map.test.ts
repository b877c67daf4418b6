import { runDistributedMap, ToleratedFailureExceeded } from '../../../../lib/local/asl/distributed-map';
import type { DistributedMapPlan } from '../../../../lib/local/asl/prepare';
import type { LocalAws } from '../../../../lib/local/services/aws';
import type { Json } from '../../../../lib/local/template/tokens';

/** An in-memory S3 standing in for LocalAws.call. */
function fakeAws(objects: Record<string, string>): { aws: LocalAws; objects: Record<string, string> } {
  const aws = {
    call: async (_service: string, action: string, params: { Bucket: string; Key: string; Body?: string }) => {
      const key = `${params.Bucket}/${params.Key}`;
      if (action === 'getObject') return { Body: objects[key] };
      if (action === 'putObject') return void (objects[key] = params.Body!);
      throw new Error(action);
    },
  } as unknown as LocalAws;
  return { aws, objects };
}

const plan = (extra: Partial<DistributedMapPlan> = {}): DistributedMapPlan => ({
  stateName: 'Map',
  processor: { StartAt: 'x', States: {} },
  itemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' } },
  ...extra,
});

describe('runDistributedMap', () => {
  const deps = (aws: LocalAws, runChild: (input: Json) => Promise<Json>) => ({
    aws,
    maxConcurrency: 2,
    executionArn: 'arn:aws:states:local:0:execution:sm:e',
    selectItem: async (_selector: Json, mapInput: Json, index: number, value: Json): Promise<Json> => ({ index, value, from: mapInput }),
    runChild: (_p: unknown, input: Json) => runChild(input),
  });

  test('reads items from S3, applies the selector, runs children with bounded concurrency and keeps order', async () => {
    const { aws } = fakeAws({ 'b/items.json': JSON.stringify([10, 20, 30]) });
    let running = 0;
    let peak = 0;
    const out = await runDistributedMap(plan({ itemSelector: { x: 1 } }), { Input: 'in', Reader: { Bucket: 'b', Key: 'items.json' } }, deps(aws, async (input) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return input;
    }));
    expect(out).toEqual([0, 1, 2].map((index) => ({ index, value: (index + 1) * 10, from: 'in' })));
    expect(peak).toBe(2);
  });

  test('batches items with BatchInput; MaxItems limits what is read', async () => {
    const { aws } = fakeAws({ 'b/k': JSON.stringify([1, 2, 3, 4, 5]) });
    const p = plan({ itemBatcher: { MaxItemsPerBatch: 2 }, itemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON', MaxItems: 4 } } });
    const out = await runDistributedMap(p, { Input: {}, Reader: { Bucket: 'b', Key: 'k' }, BatchInput: { run: 'r' } }, deps(aws, async (i) => i));
    expect(out).toEqual([{ BatchInput: { run: 'r' }, Items: [1, 2] }, { BatchInput: { run: 'r' }, Items: [3, 4] }]);
  });

  test('fails with States.ExceedToleratedFailureThreshold beyond the tolerated failures', async () => {
    const { aws } = fakeAws({ 'b/k': JSON.stringify([0, 1, 2, 3]) });
    const child = async (i: Json): Promise<Json> => {
      if (i === 1) throw Object.assign(new Error('bad'), { name: 'States.TaskFailed' });
      return i;
    };
    await expect(runDistributedMap(plan(), { Input: {}, Reader: { Bucket: 'b', Key: 'k' } }, deps(aws, child))).rejects.toBeInstanceOf(ToleratedFailureExceeded);
    const tolerated = await runDistributedMap(plan({ toleratedFailurePercentage: 25 }), { Input: {}, Reader: { Bucket: 'b', Key: 'k' } }, deps(aws, child));
    expect(tolerated).toEqual([0, null, 2, 3]);
  });

  test('ResultWriter writes the results and a manifest, and the state returns where they are', async () => {
    const { aws, objects } = fakeAws({});
    const out = (await runDistributedMap(plan({ itemReader: undefined }), { Input: {}, Items: ['a', 'b'], Writer: { Bucket: 'out', Prefix: 'res/' } }, deps(aws, async (i) => `${i}!`))) as {
      ResultWriterDetails: { Bucket: string; Key: string };
    };
    expect(out.ResultWriterDetails.Bucket).toBe('out');
    const manifest = JSON.parse(objects[`out/${out.ResultWriterDetails.Key}`]);
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    const succeeded = JSON.parse(objects[`out/${manifest.ResultFiles.SUCCEEDED[0].Key}`]);
    expect(succeeded.map((e: { Output: string }) => JSON.parse(e.Output))).toEqual(['a!', 'b!']);
    expect(out.ResultWriterDetails.Key).toMatch(/^res\/.+\/manifest\.json$/);
  });
});
