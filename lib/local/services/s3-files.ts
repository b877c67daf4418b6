import * as fs from 'fs';
import * as path from 'path';

/** Where s3rver keeps the body of `s3://bucket/key` under its directory. */
export function localObjectPath(s3Directory: string, bucket: string, key: string): string {
  return path.join(s3Directory, bucket, `${key}._S3rver_object`);
}

/** Reads a JSON object the local S3 server stored, looking in every bucket; undefined when no bucket has the key. */
export function readLocalJson(s3Directory: string, key: string): unknown {
  if (!fs.existsSync(s3Directory)) return undefined;
  for (const bucket of fs.readdirSync(s3Directory)) {
    const file = localObjectPath(s3Directory, bucket, key);
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  }
  return undefined;
}
