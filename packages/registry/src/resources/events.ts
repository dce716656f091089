/** Events (upstream pkg/registry/core/event/strategy.go). */
import { defaultEvent, objectFields, validateEvent, validateObjectMetaUpdate } from '@tskube/api-types';
import type { Strategy } from '../store/types.js';
import type { StoredEvent } from './types.js';

export const eventStrategy: Strategy<StoredEvent> = {
  kind: 'Event',
  resource: 'events',
  namespaced: true,
  hasSpec: false,
  allowCreateOnUpdate: true,
  default: (ev) => defaultEvent(ev) as StoredEvent,
  prepareForCreate: () => {},
  prepareForUpdate: () => {},
  validate: (ev) => validateEvent(ev),
  // Upstream ValidateEventUpdate: the create rules plus the metadata update rules.
  validateUpdate: (ev, old) => [
    ...validateObjectMetaUpdate(ev.metadata, old.metadata),
    ...validateEvent(ev).filter((e) => !e.field.startsWith('metadata.')),
  ],
  fields: (ev) => objectFields('Event', ev),
};
