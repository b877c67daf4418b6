/**
 * Resolves CloudFormation intrinsic functions in a synthesized template to local stand-ins,
 * so a state machine definition built with `Fn::Join` of `Ref`/`Fn::GetAtt` tokens becomes plain ASL.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a `Ref` or `Fn::GetAtt` of one logical id stands for locally. */
export interface TokenResolver {
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
  /** Value of a cross-stack export (`Fn::ImportValue`). */
  importValue?(exportName: string): Json;
}

export const LOCAL_PSEUDO = {
  partition: 'aws',
  region: 'local',
  accountId: '000000000000',
  urlSuffix: 'amazonaws.com',
  stackName: 'local',
} as const;

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': LOCAL_PSEUDO.partition,
  'AWS::Region': LOCAL_PSEUDO.region,
  'AWS::AccountId': LOCAL_PSEUDO.accountId,
  'AWS::URLSuffix': LOCAL_PSEUDO.urlSuffix,
  'AWS::StackName': LOCAL_PSEUDO.stackName,
  'AWS::StackId': `arn:aws:cloudformation:local:000000000000:stack/${LOCAL_PSEUDO.stackName}/local`,
  'AWS::NoValue': '',
};

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

function asString(value: Json, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TokenError(`${where} resolved to ${JSON.stringify(value)}, expected a string`);
}

function refOf(name: string, resolver: TokenResolver, scope: Readonly<Record<string, string>>): string {
  if (name in scope) return scope[name];
  if (name in PSEUDO) return PSEUDO[name];
  return resolver.ref(name);
}

function substitute(template: string, resolver: TokenResolver, scope: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{(!?)([^}]+)\}/g, (_whole: string, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (name in scope || name in PSEUDO || !name.includes('.')) return refOf(name, resolver, scope);
    const dot = name.indexOf('.');
    return resolver.getAtt(name.slice(0, dot), name.slice(dot + 1));
  });
}

/** Resolves every intrinsic in `value`; throws `TokenError` on functions it does not know. */
export function resolveTokens(value: Json, resolver: TokenResolver): Json {
  if (Array.isArray(value)) return value.map((item) => resolveTokens(item, resolver));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return resolveIntrinsic(keys[0], value[keys[0]], resolver);
  }
  const out: { [key: string]: Json } = {};
  for (const key of keys) out[key] = resolveTokens(value[key], resolver);
  return out;
}

function resolveIntrinsic(fn: string, arg: Json, resolver: TokenResolver): Json {
  switch (fn) {
    case 'Ref':
      return refOf(asString(arg, 'Ref'), resolver, {});
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg) ? arg : asString(arg, 'Fn::GetAtt').split(/\.(.*)/s);
      return resolver.getAtt(asString(logicalId, 'Fn::GetAtt'), asString(resolveTokens(attribute, resolver), 'Fn::GetAtt'));
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [Json, Json];
      const list = resolveTokens(parts, resolver);
      if (!Array.isArray(list)) throw new TokenError('Fn::Join expects a list');
      return list.map((part) => asString(part, 'Fn::Join part')).join(asString(separator, 'Fn::Join separator'));
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return substitute(arg, resolver, {});
      const [template, variables] = arg as [Json, Json];
      const scope: Record<string, string> = {};
      const resolved = resolveTokens(variables ?? {}, resolver);
      if (resolved && typeof resolved === 'object' && !Array.isArray(resolved)) {
        for (const [name, v] of Object.entries(resolved)) scope[name] = asString(v, `Fn::Sub variable ${name}`);
      }
      return substitute(asString(template, 'Fn::Sub'), resolver, scope);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [Json, Json];
      const items = resolveTokens(list, resolver);
      const i = Number(resolveTokens(index, resolver));
      if (!Array.isArray(items) || !(i >= 0 && i < items.length)) throw new TokenError(`Fn::Select index ${i} out of range`);
      return items[i];
    }
    case 'Fn::Split': {
      const [separator, source] = arg as [Json, Json];
      return asString(resolveTokens(source, resolver), 'Fn::Split').split(asString(separator, 'Fn::Split separator'));
    }
    case 'Fn::If': {
      // Conditions are not evaluated locally: the "true" branch is what CDK's defaults select.
      const [, whenTrue] = arg as [Json, Json, Json];
      return resolveTokens(whenTrue, resolver);
    }
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveTokens(arg, resolver));
    case 'Fn::Base64':
      return Buffer.from(asString(resolveTokens(arg, resolver), 'Fn::Base64')).toString('base64');
    case 'Fn::ImportValue': {
      const name = asString(resolveTokens(arg, resolver), 'Fn::ImportValue');
      if (!resolver.importValue) throw new TokenError(`Fn::ImportValue ${name} has no exporting stack here`);
      return resolver.importValue(name);
    }
    default:
      throw new TokenError(`the local engine cannot resolve ${fn}`);
  }
}
