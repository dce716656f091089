import { describe, expect, it } from 'vitest';
import {
  alreadyExists,
  conflict,
  invalid,
  notFound,
  OBJECT_MODIFIED,
  requestEntityTooLarge,
} from './constructors.js';
import {
  codeForReason,
  isConflict,
  isExpired,
  isNotFound,
  reasonForCode,
  StatusError,
  toStatusError,
  type StatusReason,
} from './status-error.js';

describe('StatusError', () => {
  it.each([
    ['NotFound', 404],
    ['AlreadyExists', 409],
    ['Conflict', 409],
    ['Invalid', 422],
    ['BadRequest', 400],
    ['Unauthorized', 401],
    ['Forbidden', 403],
    ['Gone', 410],
    ['Expired', 410],
    ['RequestEntityTooLarge', 413],
    ['TooManyRequests', 429],
    ['InternalError', 500],
  ] as [StatusReason, number][])('%s is HTTP %i', (reason, code) => {
    expect(new StatusError(reason, 'x').code).toBe(code);
    expect(codeForReason[reason]).toBe(code);
  });

  it('maps bare HTTP codes back to the reason client-go assumes', () => {
    for (const code of [400, 401, 403, 404, 405, 406, 410, 413, 415, 422, 429, 503, 504]) {
      expect(codeForReason[reasonForCode(code)]).toBe(code);
    }
    expect(reasonForCode(502)).toBe('InternalError');
  });

  it('builds messages from resource and name, the upstream way', () => {
    expect(notFound({ resource: 'pods' }, 'web-0').toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "web-0" not found',
      reason: 'NotFound',
      details: { name: 'web-0', group: '', kind: 'pods' },
      code: 404,
    });
    expect(alreadyExists({ resource: 'services' }, 'db').message).toBe('services "db" already exists');
    expect(conflict({ resource: 'pods' }, 'a', OBJECT_MODIFIED).message).toBe(
      'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(notFound({ group: 'apps', resource: 'deployments' }, 'd').message).toBe('deployments.apps "d" not found');
    expect(requestEntityTooLarge(3145728).message).toBe('Request entity too large: limit is 3145728');
  });

  it('lists every field error in one Invalid status', () => {
    const err = invalid('Pod', 'x', [
      { type: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' },
      { type: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "X"' },
    ]);
    expect(err.code).toBe(422);
    expect(err.message).toBe(
      'Pod "x" is invalid: [spec.containers[0].image: Required value, metadata.name: Invalid value: "X"]',
    );
    expect(err.details?.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "X"', field: 'metadata.name' },
    ]);
    expect(err.details?.kind).toBe('Pod');
  });

  it('round-trips through a wire Status and keeps predicates working', () => {
    const wire = JSON.parse(JSON.stringify(conflict({ resource: 'pods' }, 'a', 'x').toStatus()));
    const back = StatusError.fromStatus(wire);
    expect(isConflict(back)).toBe(true);
    expect(isNotFound(back)).toBe(false);
    expect(isExpired(StatusError.fromStatus({ code: 410 }))).toBe(true);
  });

  it('wraps unknown errors as InternalError without leaking their message', () => {
    const err = toStatusError(new Error('ECONNRESET at /registry/pods/default/x'));
    expect(err.reason).toBe('InternalError');
    expect(err.message).not.toContain('/registry');
    expect(err.cause).toBeInstanceOf(Error);
  });
});
