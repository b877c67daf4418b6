import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { LocalAssembly, LocalResource } from '../template/assembly';

/** Metadata key on each coordination Lambda naming its handler module and export. */
export const HANDLER_METADATA = 'metaflow-cdk:handler';

type Handler = (event: unknown, context: Record<string, unknown>) => unknown;

/** The Lambda integration failed the way AWS reports it: name = errorType, Cause = the error JSON. */
export class LambdaInvokeFailed extends Error {
  constructor(errorType: string, errorMessage: string, stack: string[]) {
    super(JSON.stringify({ errorMessage, errorType, stackTrace: stack }));
    this.name = errorType;
  }
}

/** Directory that holds `lambda/` (the package root, or `dist/` when compiled). */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Finds the module file of a `lambda/<file>.ts#<export>` reference (the `.js` twin when running compiled). */
export function resolveHandlerModule(reference: string, root = PACKAGE_ROOT): { file: string; exportName: string } {
  const [modulePath, exportName = 'handler'] = reference.split('#');
  const candidates = path.isAbsolute(modulePath) ? [modulePath] : [path.join(root, modulePath)];
  candidates.push(candidates[0].replace(/\.ts$/, '.js'));
  const file = candidates.find((c) => fs.existsSync(c));
  if (!file) throw new Error(`Lambda handler module ${modulePath} not found (looked in ${candidates.join(', ')})`);
  return { file, exportName };
}

/**
 * Calls the coordination Lambdas of a synthesized app in-process, each with its own resolved environment.
 * Calls are serialized: a handler reads `process.env` (and builds SDK clients from it) at any point of its run,
 * so two overlapping calls with different environments would see each other's values.
 */
export class LocalLambda {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly assembly: LocalAssembly,
    /** Endpoints and dummy credentials added to every function's environment. */
    private readonly baseEnv: Readonly<Record<string, string>>,
  ) {}

  /** The `lambda:invoke` integration: resolves with `{ Payload, StatusCode, ExecutedVersion }`. */
  async invoke(functionName: string, payload: unknown): Promise<{ Payload: unknown; StatusCode: number; ExecutedVersion: string }> {
    const result = await this.call(functionName, payload);
    return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
  }

  /** Calls the handler and resolves with what it returned. */
  call(functionName: string, event: unknown): Promise<unknown> {
    const run = this.queue.then(() => this.callNow(functionName, event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private findFunction(functionName: string): LocalResource {
    const bare = functionName.replace(/:(\$LATEST|\d+)$/, '');
    const fn =
      this.assembly.findByArnOrName('AWS::Lambda::Function', functionName) ??
      this.assembly.findByArnOrName('AWS::Lambda::Function', bare);
    if (!fn) throw new LambdaInvokeFailed('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`, []);
    return fn;
  }

  private async callNow(functionName: string, event: unknown): Promise<unknown> {
    const fn = this.findFunction(functionName);
    const reference = fn.metadata[HANDLER_METADATA];
    if (typeof reference !== 'string') {
      throw new LambdaInvokeFailed(
        'Lambda.ServiceException',
        `Function ${fn.logicalId} has no "${HANDLER_METADATA}" metadata, so the local engine cannot run it`,
        [],
      );
    }
    const { file, exportName } = resolveHandlerModule(reference);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const handler = (require(file) as Record<string, unknown>)[exportName];
    if (typeof handler !== 'function') {
      throw new LambdaInvokeFailed('Lambda.ServiceException', `${file} does not export a function ${exportName}`, []);
    }
    const env = { ...this.baseEnv, ...this.functionEnv(fn), AWS_LAMBDA_FUNCTION_NAME: fn.name };
    const saved = new Map<string, string | undefined>();
    for (const [key, value] of Object.entries(env)) {
      saved.set(key, process.env[key]);
      process.env[key] = value;
    }
    const context = {
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      awsRequestId: randomUUID(),
      memoryLimitInMB: String(fn.properties.MemorySize ?? 128),
      getRemainingTimeInMillis: () => Number(fn.properties.Timeout ?? 3) * 1000,
      callbackWaitsForEmptyEventLoop: true,
    };
    try {
      return await (handler as Handler)(event, context);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      throw new LambdaInvokeFailed(err.name || 'Error', err.message, (err.stack ?? '').split('\n').slice(1).map((l) => l.trim()));
    } finally {
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }

  private functionEnv(fn: LocalResource): Record<string, string> {
    const environment = fn.properties.Environment as { Variables?: unknown } | undefined;
    if (!environment?.Variables) return {};
    const resolved = this.assembly.resolve(fn.stack, environment.Variables as never);
    const out: Record<string, string> = {};
    if (resolved && typeof resolved === 'object' && !Array.isArray(resolved)) {
      for (const [k, v] of Object.entries(resolved)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return out;
  }
}
