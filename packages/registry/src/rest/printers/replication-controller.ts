/** ReplicationController rows: K8S printers.go printReplicationController, rendered wide. */
import type { ReplicationController } from '@tskube/api-types';
import {
  ageColumn,
  column,
  CONTAINERS_DESCRIPTION,
  containerCells,
  formatLabels,
  IMAGES_DESCRIPTION,
  nameColumn,
  type Printer,
} from './columns.js';
import { translateTimestampSince } from './duration.js';

export const replicationControllerPrinter: Printer<ReplicationController> = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    ageColumn(),
    column('Containers', 'string', CONTAINERS_DESCRIPTION, 1),
    column('Images', 'string', IMAGES_DESCRIPTION, 1),
    column('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count.', 1),
  ],
  print(rc: ReplicationController, now: number) {
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return {
      cells: [
        rc.metadata?.name ?? '',
        rc.spec?.replicas ?? 1, // the v1 default, applied on every decode by the real server
        rc.status?.replicas ?? 0,
        rc.status?.readyReplicas ?? 0,
        translateTimestampSince(rc.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabels(rc.spec?.selector),
      ],
    };
  },
};
