import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { S3UploadTrigger } from '../../../constructs/triggers/s3-upload-trigger';
import { ValidationError } from '../../../lib/errors';
import { problemsOf } from '../support';

describe('S3UploadTrigger', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const machine = new sfn.StateMachine(stack, 'M', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'P')) });
  const common = { stateMachine: machine, flowName: 'F', datastoreBucketName: 'data', datastorePrefix: 'metaflow' };
  new S3UploadTrigger(stack, 'Csv', { ...common, trigger: { bucket: 'uploads', prefix: 'incoming/', suffix: '.csv' } });
  const template = Template.fromStack(stack);

  it('matches Object Created with one key wildcard', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['uploads'] }, object: { key: [{ wildcard: 'incoming/*.csv' }] } } },
    });
  });

  it('puts bucket and key into the execution input key Trigger', () => {
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0] as { Properties: { Targets: Array<{ InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }> } };
    const transformer = rule.Properties.Targets[0].InputTransformer;
    expect(Object.values(transformer.InputPathsMap).sort()).toEqual(['$.detail.bucket.name', '$.detail.object.key']);
    expect(transformer.InputTemplate).toMatch(/"Trigger":\{"bucket":<detail-bucket-name>,"key":<detail-object-key>\}/);
    expect(transformer.InputTemplate).toContain('"User":"s3-trigger"');
  });

  it("hands the object's key and bucket to the flow parameters the trigger maps", () => {
    const mapped = new Stack(new App(), 'Mapped');
    const target = new sfn.StateMachine(mapped, 'M', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(mapped, 'P')) });
    new S3UploadTrigger(mapped, 'T', { ...common, stateMachine: target, trigger: { bucket: 'uploads', parameters: { input_key: 'key', source: 'bucket' } } });
    const rule = Object.values(Template.fromStack(mapped).findResources('AWS::Events::Rule'))[0] as { Properties: { Targets: Array<{ InputTransformer: { InputTemplate: string } }> } };
    expect(rule.Properties.Targets[0].InputTransformer.InputTemplate).toMatch(/"Parameters":\{"input_key":<detail-object-key>,"source":<detail-bucket-name>\}/);
  });

  it('puts events it could not start a run for in the dead-letter queue; its role takes the boundary', () => {
    const other = new Stack(new App(), 'Dlq');
    const target = new sfn.StateMachine(other, 'M', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(other, 'P')) });
    const queue = new sqs.Queue(other, 'Dead', { enforceSSL: true });
    const boundary = iam.ManagedPolicy.fromManagedPolicyArn(other, 'Boundary', 'arn:aws:iam::123456789012:policy/boundary');
    new S3UploadTrigger(other, 'Csv', { ...common, stateMachine: target, trigger: { bucket: 'uploads' }, deadLetterQueue: queue, permissionsBoundary: boundary });
    const t = Template.fromStack(other);
    const rule = Object.values(t.findResources('AWS::Events::Rule'))[0].Properties;
    expect(JSON.stringify(rule.Targets[0].DeadLetterConfig.Arn)).toContain('Dead');
    const role = Object.values(t.findResources('AWS::IAM::Role')).find((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('events.amazonaws.com'))!.Properties;
    expect(role.PermissionsBoundary).toBe('arn:aws:iam::123456789012:policy/boundary');
    // EventBridge may send to the queue (CDK writes the queue policy)
    expect(JSON.stringify(t.findResources('AWS::SQS::QueuePolicy'))).toContain('events.amazonaws.com');
    expect(Annotations.fromStack(other).findWarning('*', Match.stringLikeRegexp('importedDeadLetterQueue'))).toEqual([]);
  });

  it('warns of an imported dead-letter queue, whose policy CDK cannot write', () => {
    const other = new Stack(new App(), 'Imported');
    const target = new sfn.StateMachine(other, 'M', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(other, 'P')) });
    const queue = sqs.Queue.fromQueueArn(other, 'Dead', 'arn:aws:sqs:eu-west-1:123456789012:dead');
    new S3UploadTrigger(other, 'Csv', { ...common, stateMachine: target, trigger: { bucket: 'uploads' }, deadLetterQueue: queue });
    const warnings = Annotations.fromStack(other).findWarning('*', Match.stringLikeRegexp('is imported, so no policy lets EventBridge send to it'));
    expect(warnings).toHaveLength(1);
  });

  it('refuses a trigger on the flow datastore at synth', () => {
    expect(() => new S3UploadTrigger(stack, 'Loop', { ...common, trigger: { bucket: 'data', prefix: 'metaflow/' } })).toThrow(ValidationError);
    expect(() => new S3UploadTrigger(stack, 'Fine', { ...common, trigger: { bucket: 'data', prefix: 'landing/' } })).not.toThrow();
  });

  it("refuses on its own what a flow's trigger would be refused for", () => {
    const problems = problemsOf(() => new S3UploadTrigger(stack, 'Bad', { ...common, trigger: { bucket: 's3://uploads', prefix: '/in', parameters: { input_key: 'Key' as never } } }));
    expect(problems.map((p) => `${p.where} ${p.field} = ${JSON.stringify(p.value)}`)).toEqual([
      'S/Bad trigger bucket = "s3://uploads"',
      'S/Bad trigger parameters.input_key = "Key"',
      'S/Bad trigger prefix = "/in"',
    ]);
  });
});
