/** Replication controllers (upstream pkg/registry/core/replicationcontroller/strategy.go). */
import {
  defaultReplicationController,
  objectFields,
  validateReplicationController,
  validateReplicationControllerStatusUpdate,
  validateReplicationControllerUpdate,
} from '@tskube/api-types';
import type { Strategy } from '../store/types.js';
import type { StoredReplicationController } from './types.js';

export const replicationControllerStrategy: Strategy<StoredReplicationController> = {
  kind: 'ReplicationController',
  resource: 'replicationcontrollers',
  namespaced: true,
  hasSpec: true,
  allowCreateOnUpdate: false,
  default: (rc) => defaultReplicationController(rc) as StoredReplicationController,
  // The replication manager owns status; the store sets generation 1 and bumps it on spec changes.
  prepareForCreate: (rc) => {
    rc.status = { replicas: 0 };
  },
  prepareForUpdate: (rc, old) => {
    rc.status = old.status;
  },
  validate: (rc) => validateReplicationController(rc),
  validateUpdate: (rc, old) => validateReplicationControllerUpdate(rc, old),
  status: {
    prepareForUpdate: (rc, old) => {
      rc.spec = old.spec;
    },
    validateUpdate: (rc, old) => validateReplicationControllerStatusUpdate(rc, old),
  },
  fields: (rc) => objectFields('ReplicationController', rc),
};
