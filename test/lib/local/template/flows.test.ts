import { LocalAssembly } from '../../../../lib/local/template/assembly';
import { findFlow, listFlows } from '../../../../lib/local/template/flows';

const manifest = JSON.stringify({ format: 'metaflow-cdk/1', flow: 'A', parameters: [{ name: 'n', type: 'number' }], steps: [] });

const templates = {
  S: {
    Resources: {
      Jd: { Type: 'AWS::Batch::JobDefinition' },
      A: {
        Type: 'AWS::StepFunctions::StateMachine',
        Metadata: { 'metaflow-cdk:flow': 'A' },
        Properties: {
          DefinitionString: {
            'Fn::Join': ['', ['{"Comment":', JSON.stringify(manifest), ',"StartAt":"s","States":{"s":{"Type":"Pass","Result":"', { Ref: 'Jd' }, '","End":true}}}']],
          },
        },
      },
      B: {
        Type: 'AWS::StepFunctions::StateMachine',
        Metadata: { 'metaflow-cdk:flow': 'B' },
        Properties: {
          Definition: { StartAt: 's', States: { s: { Type: 'Pass', Result: '${where}', End: true } } },
          DefinitionSubstitutions: { where: { Ref: 'AWS::Region' } },
        },
      },
      Other: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{}' } },
    },
  },
};

describe('flows of a synthesized app', () => {
  const assembly = LocalAssembly.fromTemplates(templates);

  test('lists state machines that carry the flow metadata, sorted', () => {
    expect(listFlows(assembly)).toEqual(['A', 'B']);
  });

  test('resolves a DefinitionString Fn::Join and reads the manifest from the Comment', () => {
    const flow = findFlow(assembly, 'A')!;
    expect((flow.definition.States as any).s.Result).toBe('arn:aws:batch:local:000000000000:job-definition/Jd:1'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(flow.manifest?.parameters).toEqual([{ name: 'n', type: 'number' }]);
  });

  test('applies DefinitionSubstitutions to a Definition object', () => {
    const flow = findFlow(assembly, 'B')!;
    expect((flow.definition.States as any).s.Result).toBe('local'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(flow.manifest).toBeUndefined();
  });

  test('returns undefined for a flow that is not there', () => {
    expect(findFlow(assembly, 'Other')).toBeUndefined();
  });
});
