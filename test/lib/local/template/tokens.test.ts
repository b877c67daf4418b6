import { Json, resolveTokens, TokenError, TokenResolver } from '../../../../lib/local/template/tokens';

const resolver: TokenResolver = {
  ref: (id) => `name-of-${id}`,
  getAtt: (id, attr) => `${attr}-of-${id}`,
  importValue: (name) => `imported-${name}`,
};

describe('resolveTokens', () => {
  test('resolves Ref, Fn::GetAtt (both forms) and pseudo parameters inside nested values', () => {
    const value: Json = {
      a: { Ref: 'Bucket' },
      b: [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, { 'Fn::GetAtt': 'Table.StreamArn' }],
      c: { Ref: 'AWS::Partition' },
      d: { Ref: 'AWS::AccountId' },
      plain: { Key: 'x' },
    };
    expect(resolveTokens(value, resolver)).toEqual({
      a: 'name-of-Bucket',
      b: ['Arn-of-Fn', 'StreamArn-of-Table'],
      c: 'aws',
      d: '000000000000',
      plain: { Key: 'x' },
    });
  });

  test('joins a definition string the way CDK renders tokens in it', () => {
    const joined = { 'Fn::Join': ['', ['{"Resource":"arn:', { Ref: 'AWS::Partition' }, ':states:::x","Job":"', { Ref: 'JobDef' }, '"}']] };
    expect(JSON.parse(resolveTokens(joined, resolver) as string)).toEqual({ Resource: 'arn:aws:states:::x', Job: 'name-of-JobDef' });
  });

  test('Fn::Sub with variables, resource attributes, pseudo parameters and ${!Literal}', () => {
    const sub = { 'Fn::Sub': ['${Bucket}/${Fn.Arn}/${AWS::Region}/${!Keep}/${v}', { v: { Ref: 'Other' } }] };
    expect(resolveTokens(sub, resolver)).toBe('name-of-Bucket/Arn-of-Fn/local/${Keep}/name-of-Other');
  });

  test('Fn::Select of Fn::Split, Fn::ImportValue through the resolver', () => {
    expect(resolveTokens({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] }, resolver)).toBe('b');
    expect(resolveTokens({ 'Fn::ImportValue': 'Out' }, resolver)).toBe('imported-Out');
  });

  test('refuses functions it cannot resolve, and selects out of range', () => {
    expect(() => resolveTokens({ 'Fn::GetAZs': '' }, resolver)).toThrow(TokenError);
    expect(() => resolveTokens({ 'Fn::Select': [5, ['a']] }, resolver)).toThrow(/out of range/);
    expect(() => resolveTokens({ 'Fn::ImportValue': 'x' }, { ref: resolver.ref, getAtt: resolver.getAtt })).toThrow(/no exporting stack/);
  });
});
