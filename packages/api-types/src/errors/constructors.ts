/**
 * Status constructors that build messages the upstream way, from resource and name only
 * (`pods "web-0" not found`), never from storage keys.
 */
import { StatusError, type StatusCause } from './status-error.js';

/** A group-qualified resource, e.g. `{group: '', resource: 'pods'}`. */
export interface GroupResource {
  group?: string;
  resource: string;
}

const qualified = (gr: GroupResource): string => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);

export function notFound(gr: GroupResource, name: string): StatusError {
  return new StatusError('NotFound', `${qualified(gr)} "${name}" not found`, {
    name,
    group: gr.group ?? '',
    kind: gr.resource,
  });
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return new StatusError('AlreadyExists', `${qualified(gr)} "${name}" already exists`, {
    name,
    group: gr.group ?? '',
    kind: gr.resource,
  });
}

export function conflict(gr: GroupResource, name: string, why: string): StatusError {
  return new StatusError('Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, {
    name,
    group: gr.group ?? '',
    kind: gr.resource,
  });
}

/** The message of an optimistic-concurrency conflict, as upstream words it. */
export const OBJECT_MODIFIED =
  'the object has been modified; please apply your changes to the latest version and try again';

export interface FieldError {
  type: NonNullable<StatusCause['reason']>;
  /** The JSON path of the bad field, Kubernetes style: `spec.containers[0].image`. */
  field: string;
  /** Human detail, e.g. `Required value` or `Invalid value: "Foo": a lowercase RFC 1123 ...`. */
  message: string;
}

/** One Invalid error listing every bad field (422). `kind` is the Kind, e.g. `Pod`. */
export function invalid(kind: string, name: string, errs: FieldError[], group = ''): StatusError {
  const causes = errs.map((e) => ({ reason: e.type, message: e.message, field: e.field }));
  const list = errs.map((e) => `${e.field}: ${e.message}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new StatusError('Invalid', `${kind} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes,
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError('BadRequest', message);
}

export function forbidden(gr: GroupResource, name: string, why: string): StatusError {
  return new StatusError('Forbidden', `${qualified(gr)} "${name}" is forbidden: ${why}`, {
    name,
    group: gr.group ?? '',
    kind: gr.resource,
  });
}

export function expired(message: string): StatusError {
  return new StatusError('Expired', message);
}

export function gone(message: string): StatusError {
  return new StatusError('Gone', message);
}

export function internalError(message: string, cause?: unknown): StatusError {
  return new StatusError('InternalError', `Internal error occurred: ${message}`, undefined, { cause });
}

export function methodNotAllowed(): StatusError {
  return new StatusError('MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function requestEntityTooLarge(limit: number): StatusError {
  return new StatusError('RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

export function serviceUnavailable(message: string): StatusError {
  return new StatusError('ServiceUnavailable', message);
}

export function serverTimeout(gr: GroupResource, operation: string): StatusError {
  return new StatusError(
    'ServerTimeout',
    `The ${operation} operation against ${qualified(gr)} could not be completed at this time, please try again.`,
    { group: gr.group ?? '', kind: gr.resource },
  );
}

export function tooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return new StatusError('TooManyRequests', message, { retryAfterSeconds });
}
