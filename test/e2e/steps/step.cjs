#!/usr/bin/env node
/*
 * Generic step used by the end-to-end flows: reads and writes JSON artifacts under the task roots of the (local) S3
 * datastore, using only the env the step runtime documents (lib/runtime/env.ts) and the engine's AWS_ENDPOINT_URL_S3.
 *   step.cjs foreach   write {"width": MF_PARAM_WIDTH} as the foreach record, and the items artifact
 *   step.cjs square    value = (split index)^2
 *   step.cjs plus-one  value = parent value + 1
 *   step.cjs join      value = sum of the parents' values
 *   step.cjs end       print "RESULT <parent value>"
 *   step.cjs fail-until N   exit 1 while MF_RETRY_COUNT < N, then value = retries
 */
const env = process.env;

// Plain HTTP to the local S3 endpoint (path-style, unsigned: s3rver accepts it): a Node start without the AWS SDK
// costs about half as much, and these steps run hundreds of times. The example flows (examples/steps) use the SDK.
function url(uri) {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  return `${env.AWS_ENDPOINT_URL_S3}/${m[1]}/${m[2].split('/').map(encodeURIComponent).join('/')}`;
}
async function put(uri, value) {
  const response = await fetch(url(uri), { method: 'PUT', body: JSON.stringify(value) });
  if (!response.ok) throw new Error(`PUT ${uri}: HTTP ${response.status} ${await response.text()}`);
}
async function get(uri) {
  const response = await fetch(url(uri));
  if (!response.ok) throw new Error(`GET ${uri}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}
function parents() {
  const width = Number(env.MF_SPLIT_WIDTH || 0);
  return (env.MF_INPUT_PATHS || '')
    .split(',')
    .filter(Boolean)
    .flatMap((p) => (p.endsWith('-*') ? Array.from({ length: width }, (_, i) => `${p.slice(0, -1)}${i}`) : [p]))
    .map((p) => `${env.MF_DATASTORE_ROOT}/${env.MF_FLOW_NAME}/${env.MF_RUN_ID}/${p}`);
}

async function main() {
  const [command, arg] = process.argv.slice(2);
  const root = env.MF_TASK_ROOT;
  switch (command) {
    case 'foreach': {
      const width = Number(env.MF_PARAM_WIDTH);
      await put(`${root}/_foreach.json`, { width });
      return put(`${root}/value.json`, { value: width });
    }
    case 'square': {
      const i = Number(env.MF_SPLIT_INDEX);
      return put(`${root}/value.json`, { value: i * i });
    }
    case 'plus-one': {
      const [parent] = parents();
      return put(`${root}/value.json`, { value: (await get(`${parent}/value.json`)).value + 1 });
    }
    case 'join': {
      const values = await Promise.all(parents().map((p) => get(`${p}/value.json`)));
      return put(`${root}/value.json`, { value: values.reduce((a, v) => a + v.value, 0), count: values.length });
    }
    case 'end': {
      const [parent] = parents();
      const value = await get(`${parent}/value.json`);
      console.log(`RESULT ${JSON.stringify(value)}`);
      return put(`${root}/value.json`, value);
    }
    case 'fail-until': {
      const retries = Number(env.MF_RETRY_COUNT);
      if (retries < Number(arg)) {
        console.error(`failing on purpose, retry ${retries}`);
        process.exit(1);
      }
      return put(`${root}/value.json`, { value: retries });
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

main().then(
  () => undefined,
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
