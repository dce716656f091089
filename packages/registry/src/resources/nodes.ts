/** Nodes, the seed's minions (upstream pkg/registry/core/node/strategy.go). */
import { defaultNode, objectFields, validateNode, validateNodeUpdate } from '@tskube/api-types';
import type { Strategy } from '../store/types.js';
import type { StoredNode } from './types.js';

export const nodeStrategy: Strategy<StoredNode> = {
  kind: 'Node',
  resource: 'nodes',
  namespaced: false,
  hasSpec: true,
  allowCreateOnUpdate: false,
  default: (node) => defaultNode(node) as StoredNode,
  // Unlike most resources a node keeps the status it is created with: the kubelet registers its
  // node with capacity and addresses in one create, as upstream allows.
  prepareForCreate: () => {},
  prepareForUpdate: (node, old) => {
    node.status = old.status;
  },
  validate: (node) => validateNode(node),
  validateUpdate: (node, old) => validateNodeUpdate(node, old),
  status: {
    prepareForUpdate: (node, old) => {
      node.spec = old.spec;
    },
    validateUpdate: (node, old) => validateNodeUpdate(node, old),
  },
  fields: (node) => objectFields('Node', node),
};
