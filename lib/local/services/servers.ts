import * as fs from 'fs';
import * as net from 'net';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?(): void };
  /** s3rver's winston logger: it loses its transports on close, and a request still in flight then warns on stderr. */
  logger?: { silent?: boolean };
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;
interface DynaliteServer {
  closeAllConnections?(): void;
  listen(port: number, host: string, cb: (err?: Error) => void): void;
  close(cb: (err?: Error) => void): void;
  address(): AddressInfo | string | null;
}
type DynaliteFactory = (options: Record<string, unknown>) => DynaliteServer;

/** Dummy credentials and region every local client and step gets. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  // steps' logs stay free of the SDK's Node 20 deprecation notice
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
} as const;

/** The local S3 and DynamoDB servers of one run, on 127.0.0.1 ephemeral ports. */
export interface LocalServers {
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
  /** Directory where s3rver keeps the objects (`<dir>/<bucket>/...`). */
  readonly s3Directory: string;
  /** Env for processes and clients: endpoints plus dummy credentials. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface StartServersOptions {
  /** Where s3rver stores objects. @default a new temporary directory, which `stop()` removes */
  readonly s3Directory?: string;
}

/**
 * Ports of the previous run in this process. A later run listens on them again when they are free, because the
 * coordination Lambdas cache their SDK clients per process (as a Lambda container does), endpoint included.
 */
let previousPorts: { s3?: number; dynamodb?: number } = {};

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** s3rver never settles `run()` when its port is taken, so a preferred port is probed first. */
async function withPortFallback<T>(preferred: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  return start(preferred !== undefined && (await portIsFree(preferred)) ? preferred : 0);
}

/** Starts s3rver and dynalite in-process; `stop()` closes both. */
export async function startLocalServers(options: StartServersOptions = {}): Promise<LocalServers> {
  const s3Directory = options.s3Directory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'metaflow-cdk-s3-'));
  const removeTemporary = (): void => {
    if (options.s3Directory === undefined) fs.rmSync(s3Directory, { recursive: true, force: true });
  };
  fs.mkdirSync(s3Directory, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverCtor;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as DynaliteFactory;
  const { s3, s3Address } = await withPortFallback(previousPorts.s3, async (port) => {
    const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: s3Directory });
    return { s3: server, s3Address: await server.run() };
  });
  let dynamo: DynaliteServer;
  try {
    dynamo = await withPortFallback(previousPorts.dynamodb, async (port) => {
      const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        (server as unknown as NodeJS.EventEmitter).once('error', onError);
        server.listen(port, '127.0.0.1', (err) => (err ? reject(err) : resolve()));
      });
      return server;
    });
  } catch (error) {
    await s3.close();
    removeTemporary();
    throw error;
  }
  const dynamoAddress = dynamo.address() as AddressInfo;
  previousPorts = { s3: s3Address.port, dynamodb: dynamoAddress.port };
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;
  const dynamodbEndpoint = `http://127.0.0.1:${dynamoAddress.port}`;
  let stopped = false;
  return {
    s3Endpoint,
    dynamodbEndpoint,
    s3Directory,
    env: {
      ...LOCAL_AWS_ENV,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_S3_FORCE_PATH_STYLE: 'true',
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // keep-alive sockets of SDK clients (steps, cached Lambda clients) would hold close() open
      if (s3.logger) s3.logger.silent = true;
      s3.httpServer?.closeAllConnections?.();
      dynamo.closeAllConnections?.();
      await Promise.allSettled([
        s3.close(),
        new Promise<void>((resolve) => dynamo.close(() => resolve())),
      ]);
      removeTemporary();
    },
  };
}
