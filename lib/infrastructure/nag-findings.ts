/**
 * Finding ids of cdk-nag 3, which acknowledgements must match exactly: `AwsSolutions-IAM5[Resource::<Bucket.Arn>/x/*]`.
 * CloudFormation intrinsics are flattened the way cdk-nag flattens them (`flattenCfnReference`).
 */
export function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfnReference).join(delimiter);
    }
    if ('Fn::Sub' in o) return flattenCfnReference(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
    }
    if ('Fn::ImportValue' in o) return flattenCfnReference(o['Fn::ImportValue']);
    if ('Ref' in o) return `<${flattenCfnReference(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

export function wildcardResourceFinding(flattenedArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenedArn}]`;
}

export function wildcardActionFinding(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

/** Id under which the Control Tower guard plugin's findings are acknowledged. */
export function guardFinding(rule: string): string {
  return `cdk-validator-cfnguard::${rule}`;
}
