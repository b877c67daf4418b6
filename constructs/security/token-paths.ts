import { Reference, Tokenization } from 'aws-cdk-lib';
import { setTokenDescriber } from '../../lib/errors';

/**
 * Messages name the construct a token comes from (`<Stack/Bucket/Resource .Ref>`) instead of printing `${Token[...]}`.
 * Imported for its effect by the constructs that validate.
 */
function describe(token: string): string {
  const resolvable = Tokenization.reverseString(token).firstToken;
  if (resolvable instanceof Reference) {
    const attribute = resolvable.displayName === 'Ref' ? 'name' : resolvable.displayName;
    return `<${attribute} of ${resolvable.target.node.path}, known only at deploy>`;
  }
  return '<a value known only at deploy>';
}

setTokenDescriber(describe);
