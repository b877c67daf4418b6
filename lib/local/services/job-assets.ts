import * as fs from 'fs';
import * as s3 from '@aws-sdk/client-s3';
import type { LocalAssembly, LocalFileAsset } from '../template/assembly';
import { zipDirectory } from './zip';

/** An asset a job reads, found at the S3 location the template names. */
export interface JobAsset {
  readonly asset: LocalFileAsset;
  readonly bucket: string;
  readonly key: string;
}

/**
 * The file assets whose S3 location (`s3://bucket/key`) appears in what the flow's jobs are given: the resolved state
 * machine definition (container overrides) and the resolved job definitions. A Metaflow step's code package is one.
 */
export function assetsReadByJobs(assembly: LocalAssembly, resolvedTexts: readonly string[]): JobAsset[] {
  const text = resolvedTexts.join('\n');
  const found: JobAsset[] = [];
  for (const asset of assembly.fileAssets) {
    for (const { bucket, key } of asset.destinations) {
      if (text.includes(`s3://${bucket}/${key}`)) found.push({ asset, bucket, key });
    }
  }
  return found;
}

/** Puts each asset into the local S3 at its location (a directory as the zip `cdk deploy` would upload), bucket created. */
export async function publishAssets(client: s3.S3Client, assets: readonly JobAsset[]): Promise<void> {
  for (const { asset, bucket, key } of assets) {
    if (!fs.existsSync(asset.source)) {
      throw new Error(`the asset for s3://${bucket}/${key} is not staged at ${asset.source}: synthesize the app again (without --no-staging)`);
    }
    const body = asset.packaging === 'zip' ? zipDirectory(asset.source) : fs.readFileSync(asset.source);
    await client.send(new s3.CreateBucketCommand({ Bucket: bucket })).catch((error: Error) => {
      if (!/BucketAlready/.test(error.name)) throw error;
    });
    await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }
}
