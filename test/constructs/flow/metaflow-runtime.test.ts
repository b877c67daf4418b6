import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { MetaflowFlow } from '../../../constructs/flow';
import { standardPaths } from '../../../lib/compile/metaflow-definition';
import { ValidationError } from '../../../lib/errors';
import { importPythonFlow } from '../../../lib/importer/python';
import { METAFLOW_HOST_EVALUATE_ON_EXIT } from '../../../lib/runtime/metaflow/host-retry';
import { metaflowRetryEnvelopeNames } from '../../../lib/runtime/metaflow/retry-delay';
import { batchStates, FIXTURES, FIXTURE_FLOWS, normaliseOurAdditions, type BatchState } from '../../lib/runtime/metaflow/fixture-deployment';
import { validateAsl } from '../../lib/compile/helpers';
import { definitionFromTemplate, effectiveState, testInfrastructure } from './test-infrastructure';

type Statement = { Action: string | string[]; Resource: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Environment variables that carry the protocol between states; their values must equal Metaflow's. */
const PROTOCOL_ENV = /^(METAFLOW_(INPUT_PATHS|SPLIT_INDEX|PARENT_TASK_ID|PARENT_\d+_(TASK_ID|STEP)|SPLIT_PARENT_TASK_ID(_FOR_FOREACH_JOIN)?|RUN_ID|PARAMETERS|DEFAULT_PARAMETERS|FLOW_NAME|STEP_NAME|USER|RUNTIME_NAME|DEFAULT_DATASTORE|CODE_DS|SFN_WORKFLOW_TIMEOUT)|AWS_DEFAULT_REGION)$/;
/** Job parameters that depend on the deployer (owner, token, version) rather than the protocol. */
const DEPLOYER_ATTRS = new Set(['metaflow.owner', 'metaflow.production_token', 'metaflow.version']);

describe('MetaflowFlow deploys the Metaflow fixture flows from their Python files', () => {
  let stack: Stack;
  let flows: Map<string, MetaflowFlow>;
  let definitions: Map<string, { States: Record<string, Record<string, unknown>> }>;
  let resources: Resources;

  beforeAll(() => {
    const app = new App();
    stack = new Stack(app, 'PythonFlows', { env: { account: '123456789012', region: 'us-east-1' } });
    // The fixtures route GPU steps to `gpu-q` and Inferentia/GPU steps to the default queue.
    const infrastructure = testInfrastructure(stack, { cpu: { gpu: true, neuron: true }, 'gpu-q': { gpu: true } });
    // Metaflow's own foreach shape everywhere (chain bodies default to array jobs: see the describe below).
    const inlineMap = (dir: string) => Object.fromEntries([...importPythonFlow(path.join(FIXTURES, dir, 'flow.py')).steps].filter((s) => s.foreach !== undefined).map((s) => [s.name, 'inline-map' as const]));
    flows = new Map(FIXTURE_FLOWS.map((dir) => [dir, new MetaflowFlow(stack, dir, { infrastructure, pythonFlowFile: path.join(FIXTURES, dir, 'flow.py'), image: 'python:3.11', foreachStrategies: inlineMap(dir) })]));
    resources = Template.fromStack(stack).toJSON().Resources as Resources;
    definitions = new Map(
      [...flows].map(([dir, f]) => [dir, definitionFromTemplate(stack.resolve((f.stateMachine.node.defaultChild as CfnStateMachine).definitionString)) as never]),
    );
  });

  const theirs = (dir: string) => batchStates(standardPaths(JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, 'sfn.json'), 'utf-8'))));

  test('every definition passes asl-validator', () => {
    for (const definition of definitions.values()) expect(validateAsl(definition).errors).toEqual([]);
  });

  test.each(FIXTURE_FLOWS)('%s: every Batch state has Metaflow\'s step command, protocol environment and job parameters', (dir) => {
    const ours = new Map(batchStates(definitions.get(dir)! as never).map((s) => [s.name, s]));
    for (const expected of theirs(dir)) {
      // A split-and join runs in the retry envelope (retry-delay.ts): its Task reads Metaflow's input under $.input.
      const enveloped = ours.get(metaflowRetryEnvelopeNames(expected.name).job);
      const submitted = (enveloped ? JSON.parse(JSON.stringify(enveloped).replace(/"\$\.input(?=[."\[])/g, '"$')) : ours.get(expected.name)) as BatchState;
      expect(submitted).toBeDefined();
      // The static part (command, literal variables, resources) is in the job definition; Batch merges the overrides.
      const state = effectiveState(submitted, resources) as BatchState;
      const env = (s: BatchState) => s.Parameters.ContainerOverrides.Environment;
      // The same variables (Batch keeps one value per name); AWS S3 needs no METAFLOW_S3_ENDPOINT_URL (the fixtures were
      // compiled against a local S3), and the job definition adds the generic step variables (MF_*, MFCDK_*).
      const deployerOnly = new Set(['METAFLOW_S3_ENDPOINT_URL']);
      const names = (s: BatchState) => [...new Set(env(s).map((e) => e.Name))].filter((n) => !/^MF(CDK)?_/.test(n)).sort();
      expect(names(state)).toEqual(names(expected).filter((n) => !deployerOnly.has(n)));
      const protocol = (s: BatchState) => [...new Map(env(s).filter((e) => PROTOCOL_ENV.test(e.Name)).map((e) => [e.Name, e])).values()].sort((a, b) => (a.Name < b.Name ? -1 : 1));
      expect(protocol(state)).toEqual(protocol(expected));
      // The `step` command line (ids, retry count, input paths, split index) after the flow file name.
      const stepLine = (s: BatchState) => /\s(step \S+ --run-id .*?)\) 1>>/.exec(normaliseOurAdditions(s.Parameters.ContainerOverrides.Command[2]))?.[1];
      expect(stepLine(state)).toBeDefined();
      expect(stepLine(state)).toBe(stepLine(expected));
      const attrs = (s: BatchState) => Object.fromEntries(Object.entries(s.Parameters.Parameters).filter(([k]) => !DEPLOYER_ATTRS.has(k)));
      expect(attrs(state)).toEqual(attrs(expected));
      // Metaflow's attempts; host failures (spot reclaims) end the job and get a fresh one from the state machine.
      expect(state.Parameters.RetryStrategy).toEqual({ ...expected.Parameters.RetryStrategy, EvaluateOnExit: METAFLOW_HOST_EVALUATE_ON_EXIT });
      expect(state.Parameters.Timeout).toEqual(expected.Parameters.Timeout);
      const resourcesOf = (s: BatchState) => [...s.Parameters.ContainerOverrides.ResourceRequirements].sort((a, b) => (a.Type < b.Type ? -1 : 1));
      expect(resourcesOf(state)).toEqual(resourcesOf(expected));
    }
  });

  test('the code package is Metaflow\'s tgz as a file asset: tasks download and untar it, start copies it to its content address, Metaflow records that', () => {
    const flow = flows.get('foreach_flow')!;
    expect(flow.codeAsset!.isFile).toBe(true);
    expect(flow.codeAsset!.s3ObjectKey).toMatch(/^[0-9a-f]{64}\.tgz$/);
    const states = batchStates(definitions.get('foreach_flow')! as never).map((s) => effectiveState(s, resources) as BatchState);
    const envOf = (state: BatchState) => Object.fromEntries(state.Parameters.ContainerOverrides.Environment.map((e) => [e.Name, e.Value]));
    const start = states.find((s) => s.name === 'start')!;
    const env = envOf(start);
    expect(env.METAFLOW_CODE_SHA).toMatch(/^[0-9a-f]{40}$/);
    const sha = env.METAFLOW_CODE_SHA!;
    const sysroot = env.METAFLOW_DATASTORE_SYSROOT_S3;
    const flowName = env.METAFLOW_FLOW_NAME!;
    expect(env.METAFLOW_CODE_URL).toEqual(`${sysroot}/${flowName}/data/${sha.slice(0, 2)}/${sha}`);
    expect(env.METAFLOW_CODE_METADATA).toBe('{"version": 0, "archive_format": "tgz", "mfcontent_version": 0}');
    const script = start.Parameters.ContainerOverrides.Command[2];
    expect(script).toContain(`"${flow.codeAsset!.s3ObjectKey}", "job.tar")`);
    expect(script).toContain("tar -xzf job.tar -C .");
    expect(script).toContain(`s3.copy_object(Bucket="${String(sysroot).split('/')[2]}", Key="metaflow/${flowName}/data/${sha.slice(0, 2)}/${sha}", CopySource={"Bucket":"${stack.resolve(flow.codeAsset!.s3BucketName)}","Key":"${flow.codeAsset!.s3ObjectKey}"}`);
    expect(script).toContain('python flow.py');
    for (const other of states.filter((s) => s.name !== 'start')) {
      expect(envOf(other).METAFLOW_CODE_URL).toBe(env.METAFLOW_CODE_URL);
      expect(other.Parameters.ContainerOverrides.Command[2]).not.toContain('copy_object');
    }
  });

  test('no coordination Lambdas with inline-map foreaches: Metaflow flows read foreach cardinality from DynamoDB in the state machine', () => {
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toEqual([]);
    for (const f of flows.values()) {
      expect(f.fanoutFunction).toBeUndefined();
      expect(Object.values(f.foreachStrategies).every((s) => s === 'inline-map')).toBe(true);
    }
  });

  const policyActions = (roleRef: string) =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleRef))
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap((s) => [s.Action].flat());

  test('each flow\'s own job role may read its own code asset only, write its content address only, and Put/Update/Get the coordination table', () => {
    const jobRoles = [...flows.values()].map((f) => Stack.of(f).getLogicalId((f.jobRole as iam.Role).node.defaultChild as iam.CfnRole));
    expect(new Set(jobRoles).size).toBe(FIXTURE_FLOWS.length);
    for (const jobRole of jobRoles) {
      const actions = policyActions(jobRole);
      expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem']));
      // Only its package object of the asset bucket.
      const s3 = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(jobRole))
        .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));
      const asset = s3.filter((st) => JSON.stringify(st.Resource).includes('.tgz'));
      expect(asset.length).toBe(1);
      expect(asset[0].Action).toBe('s3:GetObject');
      expect(JSON.stringify(asset[0].Resource)).toMatch(/[0-9a-f]{64}\.tgz/);
      const store = s3.filter((st) => /\/data\/[0-9a-f]{2}\/[0-9a-f]{40}"/.test(JSON.stringify(st.Resource)));
      expect(store.length).toBe(1);
      expect([store[0].Action].flat()).toContain('s3:PutObject');
    }
  });

  test('each state machine role may read the foreach cardinality from the table', () => {
    const roles = Object.keys(resources).filter((k) => /RoleResource|Role[0-9A-F]{8}$/.test(k) && resources[k].Type === 'AWS::IAM::Role' && JSON.stringify(resources[k].Properties).includes('states.amazonaws.com'));
    expect(roles.length).toBe(FIXTURE_FLOWS.length);
    for (const role of roles) expect(policyActions(role)).toContain('dynamodb:GetItem');
  });

  test('each step\'s job definition holds Metaflow\'s command and the run-independent variables; overrides only per-run values', () => {
    const jds = Object.values(resources).filter((r) => r.Type === 'AWS::Batch::JobDefinition');
    expect(jds.length).toBeGreaterThan(0);
    for (const jd of jds) expect(JSON.stringify((jd.Properties.ContainerProperties as { Command: string[] }).Command)).toMatch(/ step \w+ --run-id sfn-\$METAFLOW_RUN_ID/);
    for (const definition of definitions.values()) {
      for (const state of batchStates(definition as never)) {
        expect((state.Parameters as { ContainerOverrides?: { Command?: unknown } }).ContainerOverrides?.Command).toBeUndefined();
        for (const entry of state.Parameters.ContainerOverrides?.Environment ?? []) expect(entry).toEqual({ Name: entry.Name, 'Value.$': expect.any(String) });
      }
    }
  });
});

test('flow and pythonFlowFile: exactly one', () => {
  const stack = new Stack(new App(), 'Bad');
  const infrastructure = testInfrastructure(stack);
  expect(() => new MetaflowFlow(stack, 'None', { infrastructure })).toThrow(ValidationError);
  expect(() => new MetaflowFlow(stack, 'Both', { infrastructure, pythonFlowFile: path.join(FIXTURES, 'linear_flow', 'flow.py'), flow: { version: 1, name: 'X', steps: [] } })).toThrow(/exactly one of flow and pythonFlowFile/);
});

describe('a Metaflow flow with @secrets, a time-zoned schedule and an S3 trigger', () => {
  let resources: Resources;
  let flow: MetaflowFlow;
  beforeAll(() => {
    const stack = new Stack(new App(), 'Extras', { env: { account: '123456789012', region: 'us-east-1' } });
    const infrastructure = testInfrastructure(stack);
    const doc = importPythonFlow(path.join(FIXTURES, 'linear_flow', 'flow.py'));
    flow = new MetaflowFlow(stack, 'Linear', {
      infrastructure,
      image: 'python:3.11',
      metaflow: { owner: 'ml-team', productionToken: 'linear-prod-1' },
      flow: {
        ...doc,
        schedule: { cron: '0 6 * * ? *', timezone: 'Europe/Berlin' },
        triggers: [{ bucket: 'uploads', prefix: 'incoming/', suffix: '.csv' }],
        steps: doc.steps.map((s) => (s.name === 'start' ? { ...s, secrets: ['db-password'] } : s)),
      },
    });
    resources = Template.fromStack(stack).toJSON().Resources as Resources;
  });

  test('the job role may read the @secrets source, which is not injected by Batch', () => {
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(statements).toHaveLength(1);
    expect(JSON.stringify(statements[0].Resource)).toContain('secret:db-password-??????');
    for (const jd of Object.values(resources).filter((r) => r.Type === 'AWS::Batch::JobDefinition')) expect(JSON.stringify(jd.Properties)).not.toContain('Secrets');
    const definition = definitionFromTemplate(Stack.of(flow).resolve((flow.stateMachine.node.defaultChild as CfnStateMachine).definitionString));
    const env = effectiveState(batchStates(definition as never).find((s) => s.name === 'start')!, resources).Parameters.ContainerOverrides.Environment;
    expect(env.find((e) => e.Name === 'METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE')?.Value).toBe('aws-secrets-manager');
  });

  test('schedule in its time zone and the S3 trigger start the Metaflow state machine; owner and token are the props', () => {
    expect(Object.values(resources).find((r) => r.Type === 'AWS::Scheduler::Schedule')?.Properties.ScheduleExpressionTimezone).toBe('Europe/Berlin');
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule')).toHaveLength(1);
    const start = batchStates(flow.definition as never).find((s) => s.name === 'start')!;
    expect(start.Parameters.Parameters['metaflow.owner']).toBe('ml-team');
    expect(start.Parameters.Parameters['metaflow.production_token']).toBe('linear-prod-1');
  });
});

describe('a Python flow on a KMS datastore', () => {
  test("sends no METAFLOW_S3_SERVER_SIDE_ENCRYPTION: aws:kms without a key would use the account's aws/s3 key, not the datastore's", () => {
    const stack = new Stack(new App(), 'Kms', { env: { account: '123456789012', region: 'us-east-1' } });
    const infrastructure = testInfrastructure(stack);
    const key = new kms.Key(stack, 'Key');
    new MetaflowFlow(stack, 'Linear', { infrastructure: { ...infrastructure, datastore: { ...infrastructure.datastore, encryptionKey: key } }, pythonFlowFile: path.join(FIXTURES, 'linear_flow', 'flow.py'), image: 'python:3.11' });
    const definitions = Object.values(Template.fromStack(stack).findResources('AWS::Batch::JobDefinition'));
    const names = definitions.flatMap((d) => (d.Properties.ContainerProperties.Environment as Array<{ Name: string }>).map((e) => e.Name));
    expect(names).toContain('METAFLOW_DATASTORE_SYSROOT_S3');
    expect(names).not.toContain('METAFLOW_S3_SERVER_SIDE_ENCRYPTION');
  });
});

describe('scheduledParameters', () => {
  const paramsFlow = (scheduledParameters: Record<string, unknown>, schedule = true) => {
    const stack = new Stack(new App(), 'Scheduled', { env: { account: '123456789012', region: 'us-east-1' } });
    const doc = importPythonFlow(path.join(FIXTURES, 'params_flow', 'flow.py'));
    new MetaflowFlow(stack, 'Params', {
      infrastructure: testInfrastructure(stack),
      image: 'python:3.11',
      flow: schedule ? { ...doc, schedule: { cron: '0 6 * * ? *' } } : doc,
      scheduledParameters,
    });
    return Template.fromStack(stack).toJSON().Resources as Resources;
  };

  test("a Metaflow flow's scheduled JSONType value is sent as JSON text, the way its job script exports it safely", () => {
    const resources = paramsFlow({ config: { lr: [0.1, 0.2] }, repeat: 5 });
    const target = Object.values(resources).find((r) => r.Type === 'AWS::Scheduler::Schedule')!.Properties.Target as { Input: string };
    expect(JSON.parse(target.Input).Parameters).toEqual({ config: '{"lr":[0.1,0.2]}', repeat: 5 });
  });

  test("a generic flow's scheduled json value written as a string holding JSON is sent as that JSON", () => {
    const stack = new Stack(new App(), 'ScheduledGeneric', { env: { account: '123456789012', region: 'us-east-1' } });
    new MetaflowFlow(stack, 'Generic', {
      infrastructure: testInfrastructure(stack),
      image: 'node:22-slim',
      flow: {
        version: 1, name: 'Generic', schedule: { cron: '0 6 * * ? *' },
        parameters: [{ name: 'cfg', type: 'json', default: {} }, { name: 'label', type: 'string', default: 'x' }],
        steps: [{ name: 'start', next: ['end'], command: ['true'] }, { name: 'end', next: [], command: ['true'] }],
      },
      scheduledParameters: { cfg: '{"lr": [0.1]}', label: '{"kept": "as text"}' },
    });
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    const target = Object.values(resources).find((r) => r.Type === 'AWS::Scheduler::Schedule')!.Properties.Target as { Input: string };
    expect(JSON.parse(target.Input).Parameters).toEqual({ cfg: { lr: [0.1] }, label: '{"kept": "as text"}' });
  });

  test('unknown names, values of the wrong type, and values without a schedule are refused at synth, each named', () => {
    expect(() => paramsFlow({ repeats: 5, repeat: 'five', verbose: 'yes' })).toThrow(
      /scheduledParameters.*repeats.*is not a parameter of this flow.*declared parameters: greeting, repeat[\s\S]*repeat.*must be a finite number[\s\S]*verbose.*must be true or false/,
    );
    expect(() => paramsFlow({ repeat: 5 }, false)).toThrow(/no schedule, so no run would get these parameters/);
  });

  test('a required parameter without a default may be scheduled when scheduledParameters passes it', () => {
    const flow = (scheduledParameters?: Record<string, unknown>) => {
      const stack = new Stack(new App(), 'ScheduledRequired', { env: { account: '123456789012', region: 'us-east-1' } });
      return new MetaflowFlow(stack, 'F', {
        infrastructure: testInfrastructure(stack),
        image: 'node:22-slim',
        flow: {
          version: 1, name: 'Required', schedule: { daily: true },
          parameters: [{ name: 'day', type: 'string', required: true }],
          steps: [{ name: 'start', next: ['end'], command: ['true'] }, { name: 'end', next: [], command: ['true'] }],
        },
        scheduledParameters,
      });
    };
    expect(() => flow()).toThrow(/required[\s\S]*pass it in MetaflowFlow's scheduledParameters/);
    expect(() => flow({ day: '2026-01-01' })).not.toThrow();
  });
});

describe('MetaflowFlow with an array-job foreach (the default for a chain body)', () => {
  test('creates the fan-out Lambda, which may read the coordination table, and the state machine invokes it', () => {
    const app = new App();
    const stack = new Stack(app, 'ArrayForeach', { env: { account: '123456789012', region: 'us-east-1' } });
    const infrastructure = testInfrastructure(stack, { cpu: {} });
    const flow = new MetaflowFlow(stack, 'Foreach', { infrastructure, pythonFlowFile: path.join(FIXTURES, 'foreach_flow', 'flow.py'), image: 'python:3.11' });
    expect(flow.foreachStrategies).toEqual({ start: 'array-job' });
    expect(flow.fanoutFunction).toBeDefined();
    expect(flow.catchFunction).toBeUndefined();
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.values(functions).map((f) => (f.Properties as { Environment: { Variables: Record<string, string> } }).Environment.Variables.FOREACH_WIDTH_SOURCE)).toEqual(['dynamodb']);
    const statementsOf = (role: IRole) => {
      const ref = JSON.stringify(stack.resolve(role.roleName));
      return Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((r) => JSON.stringify(r.Properties.Roles).includes(ref))
        .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    };
    const tableArn = JSON.stringify(stack.resolve(infrastructure.coordinationTable.tableArn));
    expect(statementsOf(flow.fanoutFunction!.role).some((st) => [st.Action].flat().includes('dynamodb:GetItem') && JSON.stringify(st.Resource).includes(tableArn))).toBe(true);
    expect(statementsOf(flow.role).some((st) => [st.Action].flat().includes('lambda:InvokeFunction'))).toBe(true);
    const definition = definitionFromTemplate(stack.resolve((flow.stateMachine.node.defaultChild as CfnStateMachine).definitionString)) as { States: Record<string, { Next?: string }> };
    expect(definition.States.start.Next).toBe('*upper.fanout');
    expect(validateAsl(definition).errors).toEqual([]);
  });
});
