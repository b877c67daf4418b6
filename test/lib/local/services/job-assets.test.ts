import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { LocalAws } from '../../../../lib/local/services/aws';
import { assetsReadByJobs, publishAssets } from '../../../../lib/local/services/job-assets';
import { startLocalServers } from '../../../../lib/local/services/servers';
import { LocalAssembly } from '../../../../lib/local/template/assembly';

describe('assets a job reads', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfcdk-assets-'));
    fs.writeFileSync(path.join(dir, 'S.template.json'), JSON.stringify({ Resources: {} }));
    fs.mkdirSync(path.join(dir, 'asset.abc', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'asset.abc', 'flow.py'), 'print(1)\n');
    fs.writeFileSync(path.join(dir, 'asset.abc', 'lib', 'util.py'), 'X = 2\n');
    fs.mkdirSync(path.join(dir, 'asset.lambda'));
    fs.writeFileSync(path.join(dir, 'asset.lambda', 'index.js'), '');
    const destination = (key: string) => ({ 'current_account-current_region': { bucketName: 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}', objectKey: key } });
    fs.writeFileSync(path.join(dir, 'S.assets.json'), JSON.stringify({
      version: '48.0.0',
      files: {
        abc: { source: { path: 'asset.abc', packaging: 'zip' }, destinations: destination('abc.zip') },
        lambda: { source: { path: 'asset.lambda', packaging: 'zip' }, destinations: destination('lambda.zip') },
      },
    }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the code package the job definitions name is put at its bucket and key as a zip; other assets are not', async () => {
    const assembly = LocalAssembly.fromDirectory(dir);
    expect(assembly.fileAssets.map((a) => a.destinations)).toEqual([[{ bucket: 'cdk-hnb659fds-assets-000000000000-local', key: 'abc.zip' }], [{ bucket: 'cdk-hnb659fds-assets-000000000000-local', key: 'lambda.zip' }]]);
    const read = assetsReadByJobs(assembly, ['{"Environment":[{"Name":"METAFLOW_CODE_URL","Value":"s3://cdk-hnb659fds-assets-000000000000-local/abc.zip"}]}']);
    expect(read.map((a) => a.key)).toEqual(['abc.zip']);

    const servers = await startLocalServers();
    const aws = new LocalAws(servers);
    try {
      await publishAssets(aws.s3, read);
      const object = await aws.s3.send(new GetObjectCommand({ Bucket: 'cdk-hnb659fds-assets-000000000000-local', Key: 'abc.zip' }));
      const zip = path.join(dir, 'downloaded.zip');
      fs.writeFileSync(zip, Buffer.from(await object.Body!.transformToByteArray()));
      const names = spawnSync('python3', ['-c', 'import sys, zipfile; print(sorted(zipfile.ZipFile(sys.argv[1]).namelist()))', zip], { encoding: 'utf8' });
      expect(names.stdout.trim()).toBe("['flow.py', 'lib/util.py']");
    } finally {
      aws.destroy();
      await servers.stop();
    }
  });

  test('an asset missing from the assembly fails with the fix', async () => {
    const assembly = LocalAssembly.fromDirectory(dir);
    const [asset] = assetsReadByJobs(assembly, ['s3://cdk-hnb659fds-assets-000000000000-local/lambda.zip']);
    await expect(publishAssets({} as never, [{ ...asset, asset: { ...asset.asset, source: path.join(dir, 'gone') } }])).rejects.toThrow(/not staged at .*gone: synthesize the app again/);
  });
});
