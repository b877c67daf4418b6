import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

/**
 * SDK clients of the coordination Lambdas, made once per container. `AWS_ENDPOINT_URL_S3` (the local engine's S3
 * stand-in) switches S3 to path-style addressing; tests replace the clients with `aws-sdk-client-mock`.
 */
let s3: S3Client | undefined;
let dynamodb: DynamoDBClient | undefined;

export function s3Client(): S3Client {
  s3 ??= new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });
  return s3;
}

export function dynamoDbClient(): DynamoDBClient {
  dynamodb ??= new DynamoDBClient({});
  return dynamodb;
}
