import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalAssembly } from '../../../../lib/local/template/assembly';

const infra = {
  Resources: {
    Data: { Type: 'AWS::S3::Bucket', Properties: {} },
    Named: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'my-data' } },
    Queue: { Type: 'AWS::Batch::JobQueue', Properties: { JobQueueName: 'cpu' } },
    Jd: { Type: 'AWS::Batch::JobDefinition', Properties: {} },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'fan-out' } },
  },
  Outputs: { QueueOut: { Value: { Ref: 'Queue' }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-queue' } } } },
};
const flow = { Resources: { Data: { Type: 'AWS::S3::Bucket' }, Sm: { Type: 'AWS::StepFunctions::StateMachine', Properties: { X: { 'Fn::ImportValue': 'local-queue' } } } } };

describe('LocalAssembly', () => {
  const assembly = LocalAssembly.fromTemplates({ Infra: infra, Flow: flow });

  test('gives every resource a local name and ARN; Ref is the ARN where CloudFormation says so', () => {
    expect(assembly.resolve('Infra', { Ref: 'Data' })).toBe('local-data');
    expect(assembly.resolve('Infra', { Ref: 'Named' })).toBe('my-data');
    expect(assembly.resolve('Infra', { Ref: 'Queue' })).toBe('arn:aws:batch:local:000000000000:job-queue/cpu');
    expect(assembly.resolve('Infra', { Ref: 'Jd' })).toBe('arn:aws:batch:local:000000000000:job-definition/Jd:1');
    expect(assembly.resolve('Infra', { 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe('arn:aws:lambda:local:000000000000:function:fan-out');
    expect(assembly.resolve('Infra', { Ref: 'Fn' })).toBe('fan-out');
  });

  test('renames a second resource of the same type and name (lower case for buckets)', () => {
    expect(assembly.resolve('Flow', { Ref: 'Data' })).toBe('flow-local-data');
    expect(() => assembly.resolve('Flow', { Ref: 'Missing' })).toThrow(/unknown logical id Missing/);
  });

  test('finds resources by ARN, by name, and job definitions without their revision', () => {
    expect(assembly.findByArnOrName('AWS::Batch::JobQueue', 'cpu')?.logicalId).toBe('Queue');
    expect(assembly.findByArnOrName('AWS::Batch::JobDefinition', 'arn:aws:batch:local:000000000000:job-definition/Jd')?.logicalId).toBe('Jd');
    expect(assembly.findByArnOrName('AWS::Batch::JobDefinition', 'arn:aws:batch:local:000000000000:job-definition/Jd:7')?.logicalId).toBe('Jd');
    expect(assembly.findByArnOrName('AWS::Lambda::Function', 'nope')).toBeUndefined();
  });

  test('follows Fn::ImportValue to the exporting stack', () => {
    const sm = assembly.ofType('AWS::StepFunctions::StateMachine')[0];
    expect(assembly.resolve('Flow', sm.properties.X)).toBe('arn:aws:batch:local:000000000000:job-queue/cpu');
  });

  test('reads the templates of a cloud assembly directory, nested stages included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-asm-'));
    fs.mkdirSync(path.join(dir, 'assembly-Stage'));
    fs.writeFileSync(path.join(dir, 'Infra.template.json'), JSON.stringify(infra));
    fs.writeFileSync(path.join(dir, 'assembly-Stage', 'Flow.template.json'), JSON.stringify(flow));
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{}');
    const read = LocalAssembly.fromDirectory(dir);
    expect(new Set(read.resources.map((r) => r.stack))).toEqual(new Set(['Infra', 'Flow']));
    fs.rmSync(dir, { recursive: true });
  });
});
