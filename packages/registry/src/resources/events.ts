/** Events (upstream pkg/registry/core/event/strategy.go and storage/storage.go). */
import { defaultEvent, objectFields, validateEvent, validateObjectMetaUpdate } from '@tskube/api-types';
import type { Strategy } from '../store/types.js';
import type { StoredEvent } from './types.js';

/** How long an event lives after its last write unless configured (upstream's --event-ttl default). */
export const DEFAULT_EVENT_TTL_SECONDS = 3600;

const baseEventStrategy: Strategy<StoredEvent> = {
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

/**
 * The event strategy with events expiring `ttlSeconds` after each create or update, as upstream's
 * event registry does with --event-ttl; 0 keeps them until deleted.
 */
export function createEventStrategy(ttlSeconds = DEFAULT_EVENT_TTL_SECONDS): Strategy<StoredEvent> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw new Error(`event TTL must be a whole number of seconds >= 0, not ${ttlSeconds}`);
  return ttlSeconds > 0 ? { ...baseEventStrategy, ttlSeconds: () => ttlSeconds } : baseEventStrategy;
}

/** Events with the default TTL. */
export const eventStrategy: Strategy<StoredEvent> = createEventStrategy();
