/**
 * Storage → API error translation, once per verb (upstream apiserver/pkg/storage/errors/storage.go).
 * Messages are built from the resource and the object name, never from storage keys.
 */
import {
  alreadyExists,
  conflict,
  internalError,
  isStatusError,
  notFound,
  OBJECT_MODIFIED,
  serverTimeout,
  type GroupResource,
  type StatusError,
} from '@tskube/api-types';
import { isStorageError } from '../storage/types.js';

function common(err: unknown, gr: GroupResource, name: string, operation: string): StatusError {
  if (isStatusError(err)) return err;
  if (isStorageError(err)) {
    switch (err.code) {
      case 'KeyNotFound':
        return notFound(gr, name);
      case 'KeyExists':
        return alreadyExists(gr, name);
      case 'Conflict':
        return conflict(gr, name, OBJECT_MODIFIED);
      case 'Unreachable':
        return serverTimeout(gr, operation);
      case 'Expired':
      case 'Internal':
        break;
    }
  }
  return internalError(`${operation} of ${gr.resource} "${name}" failed`, err);
}

export const interpretGetError = (err: unknown, gr: GroupResource, name: string): StatusError =>
  common(err, gr, name, 'get');

export const interpretCreateError = (err: unknown, gr: GroupResource, name: string): StatusError =>
  common(err, gr, name, 'create');

export const interpretUpdateError = (err: unknown, gr: GroupResource, name: string): StatusError =>
  // An update never creates: a vanished key during an update is NotFound, and KeyExists can only
  // come from create-on-update racing another creator, which upstream reports as a conflict.
  isStorageError(err, 'KeyExists') ? conflict(gr, name, OBJECT_MODIFIED) : common(err, gr, name, 'update');

export const interpretDeleteError = (err: unknown, gr: GroupResource, name: string): StatusError =>
  common(err, gr, name, 'delete');

export const interpretListError = (err: unknown, gr: GroupResource): StatusError =>
  common(err, gr, '', 'list');
