import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { AssetHashType, BundlingOutput, DockerImage, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { FlowDocument } from '../../lib/graph/model';
import { includedFileDescriptor } from '../../lib/runtime/metaflow/included-file';

/** A flow document whose `IncludeFile` defaults name their assets, and those assets. */
export interface IncludedFiles {
  readonly doc: FlowDocument;
  readonly assets: readonly s3assets.Asset[];
}

/**
 * Ships the file of each `IncludeFile` default as an asset, gzip'd as Metaflow uploads it, and makes the parameter's
 * default Metaflow's descriptor of it (what `step-functions create` puts in the state machine after uploading the
 * file to the datastore): the task's Metaflow downloads and decodes it into the artifact.
 */
export function includedFiles(scope: Construct, doc: FlowDocument): IncludedFiles {
  const files = doc.runtime?.kind === 'metaflow' ? doc.runtime.includeFiles ?? {} : {};
  if (Object.keys(files).length === 0) return { doc, assets: [] };
  const holder = new Construct(scope, 'IncludedFiles');
  const assets: s3assets.Asset[] = [];
  const defaults = new Map<string, string>();
  for (const [name, file] of Object.entries(files)) {
    const content = fs.readFileSync(file.path);
    const gzipped = zlib.gzipSync(content);
    const asset = new s3assets.Asset(holder, name, {
      path: path.dirname(file.path),
      assetHash: createHash('sha1').update(content).digest('hex'),
      assetHashType: AssetHashType.CUSTOM,
      bundling: {
        // never run: the local bundling below always succeeds
        image: DockerImage.fromRegistry('metaflow-cdk-included-file'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: { tryBundle: (outputDir) => (fs.writeFileSync(path.join(outputDir, 'included.gz'), gzipped), true) },
      },
    });
    assets.push(asset);
    defaults.set(name, includedFileDescriptor({ url: `s3://${asset.s3BucketName}/${asset.s3ObjectKey}`, isText: file.isText, encoding: file.encoding, size: content.length }));
  }
  const parameters = (doc.parameters ?? []).map((p) => (defaults.has(p.name) ? { ...p, default: defaults.get(p.name) } : p));
  return { doc: { ...doc, parameters }, assets };
}

/** The job role reads each included file's object, and only it. */
export function grantIncludedFiles(jobRole: iam.IRole, assets: readonly s3assets.Asset[]): void {
  if (assets.length === 0) return;
  const stack = Stack.of(assets[0]);
  jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'IncludedFiles',
    actions: ['s3:GetObject'],
    resources: assets.map((asset) => stack.formatArn({ service: 's3', region: '', account: '', resource: asset.s3BucketName, resourceName: asset.s3ObjectKey })),
  }));
  for (const asset of assets) asset.bucket.encryptionKey?.grantDecrypt(jobRole);
}
