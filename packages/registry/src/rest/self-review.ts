/**
 * The two "who am I / may I" APIs kubectl asks before users trust a cluster:
 * `kubectl auth whoami` (authentication.k8s.io/v1 SelfSubjectReview) and `kubectl auth can-i`
 * (authorization.k8s.io/v1 SelfSubjectAccessReview; SelfSubjectRulesReview for `--list`).
 *
 * Authorization here is AlwaysAllow (auth.ts): every authenticated user may do everything, so
 * "yes" is the honest answer to every question, and the rules list is `*`. Both are create-only,
 * nothing is stored — as upstream, where these are virtual resources.
 */
import { badRequest, invalid } from '@tskube/api-types';
import type { User } from './auth.js';
import { apiResourceList, servedGroupVersions } from './resources.js';

type Json = Record<string, unknown>;

/** What the loopback insecure port acts as (no credentials, full access): upstream's old insecure-port user. */
export const INSECURE_USER: User = { name: 'system:unsecured', groups: ['system:masters', 'system:authenticated'] };

interface ReviewResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const SELF_REVIEW_RESOURCES: readonly ReviewResource[] = [
  { group: 'authentication.k8s.io', version: 'v1', plural: 'selfsubjectreviews', kind: 'SelfSubjectReview' },
  { group: 'authorization.k8s.io', version: 'v1', plural: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview' },
  { group: 'authorization.k8s.io', version: 'v1', plural: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview' },
];

// Storage-backed groups (resources.ts GROUP_RESOURCES) are listed and discovered here too.
const groupsOf = () => [...new Set([...servedGroupVersions().map((g) => g.group), ...SELF_REVIEW_RESOURCES.map((r) => r.group)])];

/** `GET /apis`: the groups served besides the core one. */
export function apiGroupList(): Json {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsOf().map((name) => apiGroup(name)),
  };
}

/** `GET /apis/<group>`, or undefined when the group is not served. */
export function apiGroup(name: string): Json | undefined {
  const versions = [...new Set([...servedGroupVersions(), ...SELF_REVIEW_RESOURCES].filter((r) => r.group === name).map((r) => r.version))];
  if (versions.length === 0) return undefined;
  const gvs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: gvs, preferredVersion: gvs[0] };
}

/** `GET /apis/<group>/<version>`, or undefined when not served. */
export function apiGroupResourceList(group: string, version: string): Json | undefined {
  if (servedGroupVersions().some((g) => g.group === group && g.version === version)) return { ...apiResourceList(group, version) };
  const resources = SELF_REVIEW_RESOURCES.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${group}/${version}`,
    resources: resources.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: false, kind: r.kind, verbs: ['create'] })),
  };
}

/** The review resource a `POST /apis/<group>/<version>/<plural>` names, or undefined. */
export function findReviewResource(group: string, version: string, plural: string): ReviewResource | undefined {
  return SELF_REVIEW_RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Answers one review: the request body with its status filled in. The body's kind and apiVersion
 * must match the URL (or be absent), and an access review must say what it asks about.
 */
export function answerReview(r: ReviewResource, body: unknown, user: User): Json {
  const apiVersion = `${r.group}/${r.version}`;
  if (!isObject(body)) throw badRequest(`the object provided is unrecognized (must be of type ${r.kind}): expected a JSON object`);
  if (body['kind'] !== undefined && body['kind'] !== r.kind) {
    throw badRequest(`the kind in the data (${String(body['kind'])}) does not match the expected kind (${r.kind})`);
  }
  if (body['apiVersion'] !== undefined && body['apiVersion'] !== apiVersion) {
    throw badRequest(`the API version in the data (${String(body['apiVersion'])}) does not match the expected API version (${apiVersion})`);
  }
  const metadata = { ...(isObject(body['metadata']) ? body['metadata'] : {}), creationTimestamp: null };
  const base = { kind: r.kind, apiVersion, metadata };
  const spec = isObject(body['spec']) ? body['spec'] : {};
  switch (r.kind) {
    case 'SelfSubjectReview':
      return { ...base, status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups } } };
    case 'SelfSubjectAccessReview': {
      const resource = spec['resourceAttributes'];
      const nonResource = spec['nonResourceAttributes'];
      if (!isObject(resource) === !isObject(nonResource)) {
        throw invalid(`${r.kind}.${r.group}`, '', [
          { type: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified' },
        ], r.group);
      }
      return { ...base, spec, status: { allowed: true, reason: 'this apiserver allows every authenticated request (AlwaysAllow)' } };
    }
    default:
      return {
        ...base,
        spec,
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
  }
}
