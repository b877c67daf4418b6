// Foreach step of the benchmark flows: records {"width": MF_PARAM_WIDTH} where the fan-out Lambda reads it.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const root = process.env.MF_TASK_ROOT;
const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(`${root}/_foreach.json`);
const s3 = new S3Client({ forcePathStyle: true });
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify({ width: Number(process.env.MF_PARAM_WIDTH) }) }));
s3.destroy();
