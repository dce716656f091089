/** Endpoints (upstream pkg/registry/core/endpoint/strategy.go): written by the endpoints controller. */
import { defaultEndpoints, objectFields, validateEndpoints, validateEndpointsUpdate } from '@tskube/api-types';
import type { Strategy } from '../store/types.js';
import type { StoredEndpoints } from './types.js';

export const endpointsStrategy: Strategy<StoredEndpoints> = {
  kind: 'Endpoints',
  resource: 'endpoints',
  namespaced: true,
  hasSpec: false,
  allowCreateOnUpdate: true,
  default: (ep) => defaultEndpoints(ep) as StoredEndpoints,
  prepareForCreate: () => {},
  prepareForUpdate: () => {},
  validate: (ep) => validateEndpoints(ep),
  validateUpdate: (ep, old) => validateEndpointsUpdate(ep, old),
  fields: (ep) => objectFields('Endpoints', ep),
};
