export { ValidationError, isValidationError, formatProblem, type Problem } from './lib/errors';
export * from './lib/graph';
export * from './lib/runtime/naming';
export * from './lib/runtime/manifest';
export { importPythonFlow, type ImportPythonFlowOptions } from './lib/importer/python';
export type { DeployTimeEvaluation } from './lib/importer/deploy-time';
// The constructs a CDK app builds with. Their helpers, acknowledgement reasons and rule functions stay internal; the
// constructs that only ever live inside another one (a flow's role, the metadata service's migration) are exported as
// types, so their instances, which the public constructs expose, can be named.
export {
  MetaflowInfrastructure,
  MetaflowNetwork,
  MetaflowComputeEnvironment,
  ComputeEnvironmentPresets,
  MetaflowJobQueue,
  MetaflowDatastore,
  DatastoreEncryption,
  MetaflowCoordinationTable,
  MetaflowMetadataService,
  MetadataDatabaseEngine,
  MetaflowConfigExport,
  MetaflowJobRole,
  MetaflowExecutionRole,
  MetaflowStateMachineRole,
  MetaflowEventsRole,
  MetaflowFlow,
  FlowSchedule,
  S3UploadTrigger,
} from './constructs';
export type {
  CoordinationFunction,
  FlowJobDefinitions,
  FlowRole,
  MetadataMigration,
  RestartOnSecretRotation,
  SecureLaunchTemplate,
  ComputeEnvironmentOptions,
  ComputePlatform,
  ExpiringPrefix,
  FargatePresetOptions,
  FlowScheduleProps,
  IMetaflowComputeEnvironment,
  IMetaflowDatastoreRef,
  IMetaflowFlow,
  IMetaflowInfrastructure,
  IMetaflowMetadataService,
  MetadataDatabaseOptions,
  MetadataServiceApiGatewayOptions,
  MetaflowComputeEnvironmentProps,
  MetaflowConfigExportProps,
  MetaflowCoordinationTableProps,
  MetaflowDatastoreProps,
  MetaflowEventsRoleProps,
  MetaflowExecutionRoleProps,
  MetaflowFlowProps,
  MetaflowInfrastructureProps,
  MetaflowJobQueueProps,
  MetaflowJobRoleProps,
  MetaflowMetadataServiceAttributes,
  MetaflowMetadataServiceOptions,
  MetaflowMetadataServiceProps,
  MetaflowNetworkProps,
  MetaflowQueueOptions,
  MetaflowQueueRef,
  MetaflowRuntimeOptions,
  MetaflowStateMachineRoleProps,
  PermissionsBoundaryInput,
  PresetOptions,
  QueueCapabilities,
  QueueComputeEnvironment,
  RunnableWatchdog,
  S3UploadTriggerProps,
} from './constructs';
// types the public props and results name, so users can name them too
export type { ForeachStrategy } from './lib/compile/options';
export type { FlowPlan } from './lib/compile/plan';
export type { AslDefinition } from './lib/compile/asl';
export type { Accelerator } from './lib/infrastructure/instance-families';
export type { MetaflowConfig, MetaflowConfigKey } from './lib/infrastructure/config-export';
