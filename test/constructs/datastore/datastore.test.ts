import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DatastoreEncryption, MetaflowDatastore } from '../../../constructs/datastore/datastore';
import { newStack, problemsOf } from '../support';

describe('MetaflowDatastore with defaults', () => {
  let template: Template;
  let datastore: MetaflowDatastore;
  beforeAll(() => {
    const stack = newStack();
    datastore = new MetaflowDatastore(stack, 'Datastore');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    datastore.grantRead(role);
    template = Template.fromStack(stack);
  });

  it('blocks public access, uses SSE-S3, enforces TLS and is retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('expires only scratch prefixes and incomplete uploads, never the artifact store', () => {
    const bucket = Object.values(template.findResources('AWS::S3::Bucket')).find((b) => b.Properties.NotificationConfiguration)!;
    const rules = bucket.Properties.LifecycleConfiguration.Rules as { Prefix?: string; ExpirationInDays?: number }[];
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined).map((r) => r.Prefix);
    expect(expiring.sort()).toEqual(['metaflow/sfn_distributed_map_input/', 'metaflow/sfn_distributed_map_output/']);
    expect(rules.every((r) => r.ExpirationInDays === undefined || r.Prefix?.startsWith('metaflow/sfn_distributed_map_'))).toBe(true);
  });

  it('writes access logs through a bucket policy for the logging service', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' })]) },
    });
  });

  it('grants read under the prefix only', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['metaflow', 'metaflow/*'] } } }));
    const get = statements.find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(get.Resource)).toContain('/metaflow/*');
  });

  it('narrows a grant to a key pattern without letting the bare root prefix be listed', () => {
    const stack = newStack();
    const ds = new MetaflowDatastore(stack, 'D', { serverAccessLogs: false });
    ds.grantRead(new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') }), 'scratch/*');
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements.find((s) => s.Action === 's3:ListBucket').Condition).toEqual({ StringLike: { 's3:prefix': ['metaflow/scratch/*'] } });
    expect(JSON.stringify(statements.find((s) => s.Action === 's3:GetObject').Resource)).toMatch(/\/metaflow\/scratch\/\*"\]\]\}$/);
  });

  it('exposes the sysroot', () => {
    expect(datastore.rootPrefix).toBe('metaflow');
    expect(datastore.sysroot).toMatch(/^s3:\/\/\$\{Token\[.+\]\}\/metaflow$/);
  });
});

describe('MetaflowDatastore options', () => {
  it('creates a rotated, retained KMS key with a bucket key and grants encrypt/decrypt without wildcards', () => {
    const stack = newStack();
    const ds = new MetaflowDatastore(stack, 'D', { encryption: DatastoreEncryption.KMS, versioned: true, rootPrefix: 'team/mf', serverAccessLogs: false });
    ds.grantReadWrite(new iam.Role(stack, 'W', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    const t = Template.fromStack(stack);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ EnableKeyRotation: true }) });
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]) },
      LoggingConfiguration: Match.absent(),
    });
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'] }));
    expect(JSON.stringify(statements)).not.toContain('s3:DeleteObject');
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'kms:CreateGrant' })]) },
    });
    expect(ds.sysroot).toContain('/team/mf');
  });

  it('with KMS, refuses uploads that ask for other encryption, another key, or aws:kms without a key; SSE-S3 buckets get no such rule', () => {
    const denies = (encryption: DatastoreEncryption) => {
      const stack = newStack();
      new MetaflowDatastore(stack, 'D', { encryption, serverAccessLogs: false });
      const policies = Object.values(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'));
      return policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st: { Sid?: string }) => st.Sid?.startsWith('DenyUploadsWith'));
    };
    const conditions = Object.fromEntries(denies(DatastoreEncryption.KMS).map((st: { Sid: string; Action: string; Condition: object }) => {
      expect(st.Action).toBe('s3:PutObject');
      return [st.Sid, JSON.parse(JSON.stringify(st.Condition).replace(/\{"Fn::GetAtt":\["DKey[0-9A-F]+","Arn"\]\}/, '"KEY"'))];
    }));
    const sse = 's3:x-amz-server-side-encryption';
    const keyId = 's3:x-amz-server-side-encryption-aws-kms-key-id';
    expect(conditions).toEqual({
      // AES256 (no header at all is allowed: the bucket's key applies)
      DenyUploadsWithOtherEncryption: { StringNotEqualsIfExists: { [sse]: 'aws:kms' } },
      // a key named, and not this one
      DenyUploadsWithOtherKeys: { StringNotEquals: { [keyId]: 'KEY' }, Null: { [keyId]: 'false' } },
      // aws:kms without a key: S3 would use the account's aws/s3 key
      DenyUploadsWithTheAccountKey: { StringEquals: { [sse]: 'aws:kms' }, Null: { [keyId]: 'true' } },
    });
    expect(denies(DatastoreEncryption.S3_MANAGED)).toEqual([]);
  });

  it('accepts an existing bucket as is', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'my-bucket');
    const ds = MetaflowDatastore.fromBucket(stack, 'D', bucket, { rootPrefix: 'mf' });
    expect(ds.bucket).toBe(bucket);
    expect(stack.resolve(ds.sysroot)).toBe('s3://my-bucket/mf');
    ds.grantReadWrite(new iam.Role(stack, 'W', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.resourceCountIs('AWS::S3::BucketPolicy', 0);
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain(':s3:::my-bucket/mf/*');
  });

  it('encrypts a new bucket with a brought key, creating none', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Brought', 'arn:aws:kms:eu-west-1:123456789012:key/brought');
    const ds = new MetaflowDatastore(stack, 'D', { encryptionKey: key, serverAccessLogs: false });
    expect(ds.encryptionKey).toBe(key);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:eu-west-1:123456789012:key/brought' } }] },
    });
  });

  it('grants the key an existing bucket is encrypted with', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Brought', 'arn:aws:kms:eu-west-1:123456789012:key/brought');
    const ds = MetaflowDatastore.fromBucket(stack, 'D', s3.Bucket.fromBucketName(stack, 'Existing', 'my-bucket'), { encryptionKey: key });
    ds.grantRead(new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:123456789012:key/brought' }));
  });

  it('adds the expiry a user asks for on a scratch prefix', () => {
    const stack = newStack();
    new MetaflowDatastore(stack, 'D', { expiringPrefixes: [{ prefix: 'tmp', expiration: Duration.days(3) }], removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'tmp/', ExpirationInDays: 3 })]) },
    });
  });
});

describe('MetaflowDatastore bad input', () => {
  it('refuses a prefix that is not a valid S3 key prefix', () => {
    const [p] = problemsOf(() => new MetaflowDatastore(newStack(), 'D', { rootPrefix: '/metaflow/' }));
    expect(p).toMatchObject({ where: 'Test/D', field: 'rootPrefix', value: '/metaflow/', message: 'not a valid S3 key prefix' });
  });

  it('refuses expiry of the artifact store', () => {
    const [p] = problemsOf(() => new MetaflowDatastore(newStack(), 'D', { expiringPrefixes: [{ prefix: 'metaflow', expiration: Duration.days(15) }] }));
    expect(p.message).toContain('content-addressed artifacts');
  });

  it('refuses bucket options with an existing bucket, together with other problems', () => {
    const stack = newStack();
    const problems = problemsOf(() => new MetaflowDatastore(stack, 'D', { bucket: s3.Bucket.fromBucketName(stack, 'B', 'bucket-b'), versioned: true, rootPrefix: 'a//b' }));
    expect(problems.map((p) => p.field)).toEqual(['rootPrefix', 'bucket']);
  });

  it('refuses every new-bucket option with an existing bucket, naming them', () => {
    const stack = newStack();
    const [p] = problemsOf(() => new MetaflowDatastore(stack, 'D', { bucket: s3.Bucket.fromBucketName(stack, 'B', 'bucket-b'), eventBridgeEnabled: true, serverAccessLogsExpiration: Duration.days(90) }));
    expect(p).toMatchObject({ field: 'bucket', message: 'an existing bucket is used as is, so serverAccessLogsExpiration, eventBridgeEnabled cannot apply to it' });
  });

  it('refuses an s3:// URL as the root prefix of an existing bucket, suggesting the key prefix', () => {
    const stack = newStack();
    const [p] = problemsOf(() => MetaflowDatastore.fromBucket(stack, 'D', s3.Bucket.fromBucketName(stack, 'B', 'my-bucket'), { rootPrefix: 's3://my-bucket/metaflow' }));
    expect(p).toMatchObject({ where: 'Test/D', field: 'rootPrefix', value: 's3://my-bucket/metaflow', message: expect.stringContaining('an S3 URL, not a key prefix') });
    expect(p.fix).toContain('"metaflow"');
  });

  describe('encryption', () => {
    it('refuses SSE-S3 with an encryption key, which would leave the key unused', () => {
      const stack = newStack();
      const key = kms.Key.fromKeyArn(stack, 'Brought', 'arn:aws:kms:eu-west-1:123456789012:key/brought');
      const [p] = problemsOf(() => new MetaflowDatastore(stack, 'D', { encryption: DatastoreEncryption.S3_MANAGED, encryptionKey: key }));
      expect(p).toMatchObject({ where: 'Test/D', field: 'encryption', value: 'S3_MANAGED', message: expect.stringContaining('Test/Brought) would be ignored') });
      expect(p.fix).toContain('DatastoreEncryption.KMS');
    });

    it.each([s3.BucketEncryption.UNENCRYPTED, s3.BucketEncryption.KMS_MANAGED, s3.BucketEncryption.DSSE])('refuses %p, an encryption the datastore does not offer (it would silently become SSE-S3)', (encryption) => {
      const [p] = problemsOf(() => new MetaflowDatastore(newStack(), 'D', { encryption: encryption as unknown as DatastoreEncryption }));
      expect(p).toMatchObject({ field: 'encryption', value: encryption, fix: 'use DatastoreEncryption.S3_MANAGED or DatastoreEncryption.KMS' });
    });
  });

  it('refuses noncurrentVersionExpiration without versioning', () => {
    const [p] = problemsOf(() => new MetaflowDatastore(newStack(), 'D', { noncurrentVersionExpiration: Duration.days(10) }));
    expect(p).toMatchObject({ field: 'noncurrentVersionExpiration', value: '10 days', fix: 'set versioned: true, or remove noncurrentVersionExpiration' });
  });

  it.each([
    [false, 'serverAccessLogs is false'],
    ['bucket', 'server access logs go to the bucket given as serverAccessLogs (Test/Logs)'],
  ])('refuses serverAccessLogsExpiration with serverAccessLogs: %p', (logs, message) => {
    const stack = newStack();
    const serverAccessLogs = logs === 'bucket' ? s3.Bucket.fromBucketName(stack, 'Logs', 'logs') : false;
    const [p] = problemsOf(() => new MetaflowDatastore(stack, 'D', { serverAccessLogs, serverAccessLogsExpiration: Duration.days(90) }));
    expect(p).toMatchObject({ field: 'serverAccessLogsExpiration', value: '90 days', message: expect.stringContaining(message) });
  });

  describe('expiry rules', () => {
    const rulesOf = (template: Template) => {
      const bucket = Object.values(template.findResources('AWS::S3::Bucket')).find((b) => b.Properties.NotificationConfiguration)!;
      return bucket.Properties.LifecycleConfiguration.Rules as { Id: string; Prefix?: string }[];
    };

    it('refuses a prefix listed twice, naming both entries', () => {
      const expiringPrefixes = [{ prefix: 'tmp', expiration: Duration.days(3) }, { prefix: 'scratch', expiration: Duration.days(3) }, { prefix: 'tmp', expiration: Duration.days(7) }];
      const problems = problemsOf(() => new MetaflowDatastore(newStack(), 'D', { expiringPrefixes }));
      expect(problems).toEqual([expect.objectContaining({ field: 'expiringPrefixes[2].prefix', value: 'tmp', message: 'the same prefix as expiringPrefixes[0], which already sets its expiry' })]);
    });

    it('refuses a prefix the datastore already expires, pointing to distributedMapExpiration', () => {
      const expiringPrefixes = [{ prefix: 'mf/sfn_distributed_map_output', expiration: Duration.days(3) }];
      const [p] = problemsOf(() => new MetaflowDatastore(newStack(), 'D', { rootPrefix: 'mf', expiringPrefixes }));
      expect(p).toMatchObject({ field: 'expiringPrefixes[0].prefix', message: 'the datastore already expires this prefix, after distributedMapExpiration (30 days by default)' });
      expect(p.fix).toBe('remove this entry and set distributedMapExpiration: Duration.days(n) instead');
    });

    it('gives distinct prefixes that read alike distinct rule ids, keeping the readable id of the first', () => {
      const stack = newStack();
      const expiringPrefixes = ['a.b', 'a-b', 'metaflow.sfn_distributed_map_output'].map((prefix) => ({ prefix, expiration: Duration.days(3) }));
      new MetaflowDatastore(stack, 'D', { expiringPrefixes, serverAccessLogs: false });
      const ids = rulesOf(Template.fromStack(stack)).map((r) => r.Id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(['Expire-metaflow-sfn-distributed-map-output', 'Expire-a-b', expect.stringMatching(/^Expire-a-b-[0-9a-f]{8}$/)]));
    });

    it('keeps rule ids within the 255 characters S3 allows', () => {
      const stack = newStack();
      new MetaflowDatastore(stack, 'D', { expiringPrefixes: [{ prefix: 'x'.repeat(300), expiration: Duration.days(3) }], serverAccessLogs: false });
      expect(Math.max(...rulesOf(Template.fromStack(stack)).map((r) => r.Id.length))).toBe(255);
    });
  });

  describe('durations', () => {
    const cases: [string, object][] = [
      ['distributedMapExpiration', { distributedMapExpiration: Duration.days(0) }],
      ['noncurrentVersionExpiration', { versioned: true, noncurrentVersionExpiration: Duration.days(0) }],
      ['serverAccessLogsExpiration', { serverAccessLogsExpiration: Duration.days(0) }],
      ['distributedMapExpiration', { distributedMapExpiration: Duration.hours(12) }],
      ['noncurrentVersionExpiration', { versioned: true, noncurrentVersionExpiration: Duration.hours(36) }],
      ['serverAccessLogsExpiration', { serverAccessLogsExpiration: Duration.hours(12) }],
    ];
    it.each(cases)('refuses %s of less than a day or not whole days (%p)', (field, props) => {
      const problems = problemsOf(() => new MetaflowDatastore(newStack(), 'D', props));
      expect(problems).toEqual([{ where: 'Test/D', field, value: expect.any(String), message: 'expiry must be a whole number of days of at least 1', fix: 'use Duration.days(n) with n >= 1' }]);
    });

    it('reports a fraction of a day in readable units', () => {
      const [p] = problemsOf(() => new MetaflowDatastore(newStack(), 'D', { distributedMapExpiration: Duration.hours(12) }));
      expect(p.value).toBe('12 hours');
    });

    it('accepts whole days given in other units', () => {
      const stack = newStack();
      new MetaflowDatastore(stack, 'D', { distributedMapExpiration: Duration.hours(48), serverAccessLogs: false });
      Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'metaflow/sfn_distributed_map_output/', ExpirationInDays: 2 })]) },
      });
    });
  });
});
