import { StatusError, badRequest } from '@tskube/api-types';

/**
 * What the apiserver answers when a JSON patch (or a strategic patch with lists of lists) cannot be
 * applied: `NewGenericServerResponse(422, …)`, whose message is fixed and does not carry the
 * reason (kubectl prints `The request is invalid: the server rejected our request due to an error in
 * our request`). We keep the reason as the error's `cause` for logs.
 */
export function patchNotApplicable(why: string): StatusError {
  return new StatusError(
    'Invalid',
    'the server rejected our request due to an error in our request',
    {},
    { cause: new Error(why) },
  );
}

/** Upstream `mergepatch` error texts (apimachinery `pkg/util/mergepatch/errors.go`). */
export const smpErrors = {
  primitiveList: () => badRequest('invalid patch format of primitive list'),
  retainKeys: () => badRequest('invalid patch format of retainKeys'),
  setElementOrder: () => badRequest('invalid patch format of setElementOrder list'),
  noMergeKey: (m: unknown, key: string) =>
    badRequest(`map: ${JSON.stringify(m)} does not contain declared merge key: ${key}`),
  badPatchType: (t: unknown, m: unknown) => badRequest(`unknown patch type: ${String(t)} in map: ${JSON.stringify(m)}`),
  listOfLists: () => patchNotApplicable('lists of lists are not supported'),
} as const;
