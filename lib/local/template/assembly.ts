import * as fs from 'fs';
import * as path from 'path';
import { Json, LOCAL_PSEUDO, resolveTokens, TokenError, TokenResolver } from './tokens';

/** A file asset of the cloud assembly: its staged source and the S3 locations `cdk deploy` publishes it to. */
export interface LocalFileAsset {
  /** Absolute path of the staged file or directory. */
  readonly source: string;
  /** `zip`: a directory uploaded as a zip archive; `file`: uploaded as is. */
  readonly packaging: 'zip' | 'file';
  /** Bucket and key per destination, `${AWS::AccountId}`-style placeholders replaced by the local pseudo values. */
  readonly destinations: ReadonlyArray<{ readonly bucket: string; readonly key: string }>;
}

function readFileAssets(manifestFile: string): LocalFileAsset[] {
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
    files?: Record<string, { source?: { path?: string; packaging?: string }; destinations?: Record<string, { bucketName?: string; objectKey?: string }> }>;
  };
  const local = (text: string): string =>
    text.replace(/\$\{AWS::(AccountId|Region|Partition)\}/g, (_, name: string) => (name === 'AccountId' ? accountId : name === 'Region' ? region : partition));
  return Object.values(manifest.files ?? {}).flatMap((asset) => {
    if (asset.source?.path === undefined) return [];
    return [{
      source: path.resolve(path.dirname(manifestFile), asset.source.path),
      packaging: asset.source.packaging === 'zip' ? 'zip' : 'file',
      destinations: Object.values(asset.destinations ?? {}).flatMap((d) =>
        d.bucketName !== undefined && d.objectKey !== undefined ? [{ bucket: local(d.bucketName), key: local(d.objectKey) }] : []),
    }];
  });
}

/** One resource of a synthesized template, with the local name it stands for. */
export interface LocalResource {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: { [key: string]: Json };
  readonly metadata: { [key: string]: Json };
  /** The physical name used locally (bucket name, table name, function name, job definition name). */
  readonly name: string;
  /** The ARN used locally. */
  readonly arn: string;
}

interface StackTemplate {
  readonly name: string;
  readonly resources: Record<string, { Type: string; Properties?: { [key: string]: Json }; Metadata?: { [key: string]: Json } }>;
  readonly parameters: Record<string, { Default?: Json }>;
  readonly outputs: Record<string, { Value: Json; Export?: { Name: Json } }>;
}

const { partition, region, accountId } = LOCAL_PSEUDO;

function localName(type: string, logicalId: string, props: { [key: string]: Json }): string {
  const explicit: Record<string, string> = {
    'AWS::S3::Bucket': 'BucketName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::DynamoDB::GlobalTable': 'TableName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::Batch::JobDefinition': 'JobDefinitionName',
    'AWS::Batch::JobQueue': 'JobQueueName',
    'AWS::Batch::ComputeEnvironment': 'ComputeEnvironmentName',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::SecretsManager::Secret': 'Name',
  };
  const key = explicit[type];
  const given = key ? props[key] : undefined;
  if (typeof given === 'string') return given;
  if (type === 'AWS::S3::Bucket') return `local-${logicalId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63);
  return logicalId;
}

function localArn(type: string, name: string): string {
  switch (type) {
    case 'AWS::S3::Bucket':
      return `arn:${partition}:s3:::${name}`;
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
    case 'AWS::Lambda::Function':
      return `arn:${partition}:lambda:${region}:${accountId}:function:${name}`;
    case 'AWS::Batch::JobDefinition':
      return `arn:${partition}:batch:${region}:${accountId}:job-definition/${name}:1`;
    case 'AWS::Batch::JobQueue':
      return `arn:${partition}:batch:${region}:${accountId}:job-queue/${name}`;
    case 'AWS::Batch::ComputeEnvironment':
      return `arn:${partition}:batch:${region}:${accountId}:compute-environment/${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`;
    case 'AWS::IAM::Role':
      return `arn:${partition}:iam::${accountId}:role/${name}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${name}`;
    default: {
      const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
      return `arn:${partition}:${service}:${region}:${accountId}:${name}`;
    }
  }
}

/** Types whose `Ref` is the ARN rather than the name (as CloudFormation documents them). */
const REF_IS_ARN = new Set([
  'AWS::Batch::JobDefinition',
  'AWS::Batch::JobQueue',
  'AWS::Batch::ComputeEnvironment',
  'AWS::StepFunctions::StateMachine',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
]);

function readTemplate(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${file} is not a readable CloudFormation template (${(error as Error).message}); synthesize the app again (metaflow-cdk synth).`);
  }
}

/**
 * The templates of a cloud assembly (`cdk.out`), with every resource given a local name and ARN,
 * and a token resolver per stack that also follows cross-stack `Fn::ImportValue`.
 */
export class LocalAssembly {
  static fromDirectory(outdir: string): LocalAssembly {
    if (typeof outdir !== 'string' || !fs.existsSync(outdir) || !fs.statSync(outdir).isDirectory()) {
      throw new Error(`${JSON.stringify(outdir)} is not a cloud assembly folder: synthesize the app first (cdk synth, or metaflow-cdk synth) and pass the folder it wrote (cdk.out by default)`);
    }
    const files: string[] = [];
    const assetManifests: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && entry.name.startsWith('assembly-')) walk(full);
        else if (entry.isFile() && entry.name.endsWith('.template.json')) files.push(full);
        else if (entry.isFile() && entry.name.endsWith('.assets.json')) assetManifests.push(full);
      }
    };
    walk(outdir);
    return new LocalAssembly(
      files.sort().map((file) => {
        const raw = readTemplate(file);
        return {
          name: path.basename(file, '.template.json'),
          resources: (raw.Resources ?? {}) as StackTemplate['resources'],
          parameters: (raw.Parameters ?? {}) as StackTemplate['parameters'],
          outputs: (raw.Outputs ?? {}) as StackTemplate['outputs'],
        };
      }),
      assetManifests.sort().flatMap(readFileAssets),
    );
  }

  /** For tests: an assembly of in-memory templates, keyed by stack name. */
  static fromTemplates(templates: Readonly<Record<string, unknown>>): LocalAssembly {
    return new LocalAssembly(
      Object.entries(templates).map(([name, t]) => {
        const raw = t as Record<string, unknown>;
        return {
          name,
          resources: (raw.Resources ?? {}) as StackTemplate['resources'],
          parameters: (raw.Parameters ?? {}) as StackTemplate['parameters'],
          outputs: (raw.Outputs ?? {}) as StackTemplate['outputs'],
        };
      }),
    );
  }

  readonly resources: readonly LocalResource[];
  private readonly byStack = new Map<string, Map<string, LocalResource>>();
  private readonly stacks: Map<string, StackTemplate>;
  private exportsCache?: Map<string, { stack: string; value: Json }>;

  /** File assets of the assembly's asset manifests (what `cdk deploy` uploads to S3). */
  readonly fileAssets: readonly LocalFileAsset[];

  private constructor(stacks: readonly StackTemplate[], fileAssets: readonly LocalFileAsset[] = []) {
    this.fileAssets = fileAssets;
    this.stacks = new Map(stacks.map((s) => [s.name, s]));
    const taken = new Set<string>();
    const all: LocalResource[] = [];
    for (const stack of stacks) {
      const map = new Map<string, LocalResource>();
      for (const [logicalId, r] of Object.entries(stack.resources)) {
        const properties = r.Properties ?? {};
        let name = localName(r.Type, logicalId, properties);
        if (taken.has(`${r.Type}/${name}`)) {
          name = `${stack.name}-${name}`;
          if (r.Type === 'AWS::S3::Bucket') name = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
        }
        taken.add(`${r.Type}/${name}`);
        const resource: LocalResource = {
          stack: stack.name,
          logicalId,
          type: r.Type,
          properties,
          metadata: r.Metadata ?? {},
          name,
          arn: localArn(r.Type, name),
        };
        map.set(logicalId, resource);
        all.push(resource);
      }
      this.byStack.set(stack.name, map);
    }
    this.resources = all;
  }

  ofType(type: string): LocalResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** Finds a resource by the local ARN or name a resolved definition carries. */
  findByArnOrName(type: string, arnOrName: string): LocalResource | undefined {
    const candidates = this.ofType(type);
    return (
      candidates.find((r) => r.arn === arnOrName || r.name === arnOrName) ??
      // job definitions may be referenced without the revision, queues by name
      candidates.find((r) => r.arn.replace(/:\d+$/, '') === arnOrName.replace(/:\d+$/, ''))
    );
  }

  /** Resolves all CloudFormation tokens in `value` as seen from `stack`. */
  resolve(stack: string, value: Json): Json {
    return resolveTokens(value, this.resolverFor(stack));
  }

  resolverFor(stack: string): TokenResolver {
    const resources = this.byStack.get(stack) ?? new Map<string, LocalResource>();
    const template = this.stacks.get(stack);
    return {
      ref: (logicalId) => {
        const r = resources.get(logicalId);
        if (r) return REF_IS_ARN.has(r.type) ? r.arn : r.name;
        const parameter = template?.parameters[logicalId];
        if (parameter) return typeof parameter.Default === 'string' ? parameter.Default : `local-${logicalId}`;
        throw new TokenError(`stack ${stack}: Ref to unknown logical id ${logicalId}`);
      },
      getAtt: (logicalId, attribute) => {
        const r = resources.get(logicalId);
        if (!r) throw new TokenError(`stack ${stack}: Fn::GetAtt of unknown logical id ${logicalId}`);
        if (/Arn$/.test(attribute) || attribute === 'JobDefinitionArn') return r.arn;
        if (attribute === 'Name' || attribute.endsWith('Name')) return r.name;
        if (attribute === 'DomainName' || attribute === 'RegionalDomainName') return `${r.name}.s3.${region}.amazonaws.com`;
        return `${r.name}.${attribute}`;
      },
      importValue: (exportName) => this.importValue(exportName),
    };
  }

  /** Value of a cross-stack export, resolved in the exporting stack. */
  importValue(exportName: string): Json {
    if (!this.exportsCache) {
      this.exportsCache = new Map();
      for (const stack of this.stacks.values()) {
        for (const output of Object.values(stack.outputs)) {
          if (!output.Export) continue;
          const name = resolveTokens(output.Export.Name, this.resolverFor(stack.name));
          if (typeof name === 'string') this.exportsCache.set(name, { stack: stack.name, value: output.Value });
        }
      }
    }
    const found = this.exportsCache.get(exportName);
    if (!found) throw new TokenError(`no stack exports ${exportName}`);
    return this.resolve(found.stack, found.value);
  }
}
