import type * as ecs from 'aws-cdk-lib/aws-ecs';

/** Python and libpq may want a scratch directory; the root filesystem stays read-only. */
export function withWritableTmp(taskDefinition: ecs.TaskDefinition, container: ecs.ContainerDefinition): void {
  taskDefinition.addVolume({ name: 'tmp' });
  container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
}
