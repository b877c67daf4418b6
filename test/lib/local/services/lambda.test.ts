import * as path from 'path';
import { LambdaInvokeFailed, LocalLambda, resolveHandlerModule } from '../../../../lib/local/services/lambda';
import { LocalAssembly } from '../../../../lib/local/template/assembly';

const HANDLERS = 'test/lib/local/fixtures/handlers.ts';
const fn = (handler: string, variable: string) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Environment: { Variables: { FIXTURE_VAR: variable, BUCKET: { Ref: 'B' } } } },
  Metadata: { 'metaflow-cdk:handler': handler },
});
const assembly = LocalAssembly.fromTemplates({
  S: {
    Resources: {
      B: { Type: 'AWS::S3::Bucket' },
      One: fn(`${HANDLERS}#envProbe`, 'one'),
      Two: fn(`${HANDLERS}#envProbe`, 'two'),
      Fails: fn(`${HANDLERS}#fails`, 'x'),
      Bare: { Type: 'AWS::Lambda::Function', Properties: {} },
    },
  },
});

describe('LocalLambda', () => {
  test('finds the handler module relative to the package root', () => {
    const found = resolveHandlerModule(`${HANDLERS}#fanout`);
    expect(found).toEqual({ file: path.resolve(__dirname, '../fixtures/handlers.ts'), exportName: 'fanout' });
    expect(() => resolveHandlerModule('lambda/none.ts#h')).toThrow(/not found/);
  });

  test('overlapping calls each see their own function environment, restored afterwards', async () => {
    const lambda = new LocalLambda(assembly, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' });
    delete process.env.FIXTURE_VAR;
    const [one, two] = await Promise.all([
      lambda.invoke('arn:aws:lambda:local:000000000000:function:One', {}),
      lambda.invoke('Two', {}),
    ]);
    expect(one).toEqual({ ExecutedVersion: '$LATEST', StatusCode: 200, Payload: { fixtureVar: 'one', s3: 'http://127.0.0.1:9' } });
    expect(two.Payload).toEqual({ fixtureVar: 'two', s3: 'http://127.0.0.1:9' });
    expect(process.env.FIXTURE_VAR).toBeUndefined();
  });

  test('a throwing handler fails with its error type as name and the Lambda error JSON as Cause', async () => {
    const lambda = new LocalLambda(assembly, {});
    const error = (await lambda.call('Fails', {}).catch((e: unknown) => e)) as LambdaInvokeFailed;
    expect(error.name).toBe('RangeError');
    expect(JSON.parse(error.message)).toMatchObject({ errorType: 'RangeError', errorMessage: 'fixture handler failed' });
    await expect(lambda.call('Bare', {})).rejects.toMatchObject({ name: 'Lambda.ServiceException' });
    await expect(lambda.call('Missing', {})).rejects.toMatchObject({ name: 'Lambda.ResourceNotFoundException' });
  });
});
