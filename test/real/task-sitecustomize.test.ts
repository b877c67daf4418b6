import { spawnSync } from 'child_process';
import { TASK_SITE_DIR } from '../../lib/local/batch/task-host';
import { describeWithRealMetaflow } from '../support/real-metaflow';

// Debian's botocore 1.29 ignores AWS_ENDPOINT_URL_<SERVICE>; the sitecustomize every task gets applies them.

describeWithRealMetaflow('the sitecustomize on every task PYTHONPATH', (real) => {
  const endpoints = (code: string, env: Record<string, string>): string => {
    const result = spawnSync(real().python, ['-c', code], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: TASK_SITE_DIR, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', ...env },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    return result.stdout.trim();
  };
  const clients = 'import boto3\nfor s in ["s3", "dynamodb", "secretsmanager", "sts"]: print(s, boto3.client(s).meta.endpoint_url)';

  test('sends each client to its AWS_ENDPOINT_URL_<SERVICE>, else to AWS_ENDPOINT_URL; an explicit endpoint wins', () => {
    const out = endpoints(`${clients}\nprint("explicit", boto3.client("s3", endpoint_url="http://127.0.0.1:1").meta.endpoint_url)`, {
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4001',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4002',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4003',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4004',
    });
    expect(out.split('\n')).toEqual([
      's3 http://127.0.0.1:4001',
      'dynamodb http://127.0.0.1:4002',
      'secretsmanager http://127.0.0.1:4003',
      'sts http://127.0.0.1:4004',
      'explicit http://127.0.0.1:1',
    ]);
  });

  test('without the variables, clients keep the endpoints of AWS; botocore is not imported by Python starting', () => {
    expect(endpoints(clients, {}).split('\n')[0]).toBe('s3 https://s3.amazonaws.com');
    expect(endpoints('import sys; print("botocore" in sys.modules)', {})).toBe('False');
  });
});
