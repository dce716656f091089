/**
 * The OpenAPI v3 documents of the core group (`GET /openapi/v3/api/v1`) and of each named
 * group-version (`GET /openapi/v3/apis/coordination.k8s.io/v1`), and the v3 root that points at
 * them (`GET /openapi/v3`).
 *
 * Why it matters: `kubectl create|apply|replace -f` (1.32, default `--validate=strict`) downloads
 * these and looks for a `fieldValidation` query parameter on the PATCH operations whose
 * `x-kubernetes-group-version-kind` matches the object's kind (CR32
 * pkg/resource/query_param_verifier_v3.go). When found it skips client-side validation and sends
 * `?fieldValidation=Strict` for the server to enforce; when the download fails the command fails.
 * The shape follows upstream `api/openapi-spec/v3/api__v1_openapi.json`.
 */
import { createHash } from 'node:crypto';
import { openApiComponents } from '@tskube/api-types';
import { annotatePatchMeta } from './patch-extensions.js';

type Json = Record<string, unknown>;

const SCHEMA_PREFIX = '#/components/schemas/';
const ref = (id: string): Json => ({ $ref: SCHEMA_PREFIX + id });
const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const STATUS = META + 'Status';
const DELETE_OPTIONS = META + 'DeleteOptions';
const PATCH = META + 'Patch';

interface Gvk {
  group: string;
  version: string;
  kind: string;
}
const coreGvk = (kind: string): Gvk => ({ group: '', version: 'v1', kind });

/** A served resource; `scope` decides the URL shape. */
interface ResourceDef {
  /** A named group's resource (absent: core v1). */
  group?: { name: string; version: string };
  plural: string;
  kind: string;
  namespaced: boolean;
  /** What DELETE returns: the object (graceful deletion) or a Status. */
  deleteReturnsObject: boolean;
  subresources: ReadonlyArray<'status' | 'scale' | 'binding'>;
}

const RESOURCES: readonly ResourceDef[] = [
  { plural: 'pods', kind: 'Pod', namespaced: true, deleteReturnsObject: true, subresources: ['status', 'binding'] },
  { plural: 'nodes', kind: 'Node', namespaced: false, deleteReturnsObject: false, subresources: ['status'] },
  { plural: 'services', kind: 'Service', namespaced: true, deleteReturnsObject: true, subresources: ['status'] },
  { plural: 'endpoints', kind: 'Endpoints', namespaced: true, deleteReturnsObject: false, subresources: [] },
  {
    plural: 'replicationcontrollers',
    kind: 'ReplicationController',
    namespaced: true,
    deleteReturnsObject: false,
    subresources: ['status', 'scale'],
  },
  { plural: 'events', kind: 'Event', namespaced: true, deleteReturnsObject: false, subresources: [] },
  { plural: 'namespaces', kind: 'Namespace', namespaced: false, deleteReturnsObject: false, subresources: ['status'] },
  {
    group: { name: 'coordination.k8s.io', version: 'v1' },
    plural: 'leases',
    kind: 'Lease',
    namespaced: true,
    deleteReturnsObject: false,
    subresources: [],
  },
];

/** How one group-version names its paths, operations and schemas (upstream's conventions). */
interface GroupVersion {
  group: string;
  version: string;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  root: string;
  /** In operation ids: `CoreV1`, `CoordinationV1`. */
  id: string;
  /** The operations' tag: `core_v1`, `coordination_v1`. */
  tag: string;
  /** Schema id prefix: `io.k8s.api.core.v1.`, `io.k8s.api.coordination.v1.`. */
  schemas: string;
}

const CORE_GV: GroupVersion = { group: '', version: 'v1', root: '/api/v1', id: 'CoreV1', tag: 'core_v1', schemas: CORE };

function groupVersionOf(group: string, version: string): GroupVersion {
  if (group === '') return CORE_GV;
  const short = group.split('.')[0]!;
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return {
    group,
    version,
    root: `/apis/${group}/${version}`,
    id: cap(short) + cap(version),
    tag: `${short}_${version}`,
    schemas: `io.k8s.api.${short}.${version}.`,
  };
}

const inGroupVersion = (r: ResourceDef, gv: GroupVersion) => (r.group?.name ?? '') === gv.group && (r.group?.version ?? 'v1') === gv.version;

// ---- parameters ------------------------------------------------------------------------------

const query = (name: string, type: 'string' | 'boolean' | 'integer', description: string): Json => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});

const P = {
  name: (kind: string): Json => ({
    name: 'name',
    in: 'path',
    description: `name of the ${kind}`,
    required: true,
    schema: { type: 'string', uniqueItems: true },
  }),
  namespace: {
    name: 'namespace',
    in: 'path',
    description: 'object name and auth scope, such as for teams and projects',
    required: true,
    schema: { type: 'string', uniqueItems: true },
  } as Json,
  pretty: query('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  dryRun: query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: All.'),
  fieldManager: query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (the default) and Strict.',
  ),
  force: query('force', 'boolean', 'Force is going to "force" Apply requests. It must be unset for non-apply patch requests.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Zero means delete immediately.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy.'),
  propagationPolicy: query('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
  list: [
    query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
    query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
    query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
    query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
    query('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
    query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
    query('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
    query('sendInitialEvents', 'boolean', 'sendInitialEvents=true may be set together with watch=true to stream the current state first.'),
    query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
    query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  ] as Json[],
};

// ---- operations --------------------------------------------------------------------------------

const RESPONSE_TYPES = ['application/json', 'application/yaml'];
const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

const content = (types: readonly string[], schemaId: string): Json =>
  Object.fromEntries(types.map((t) => [t, { schema: ref(schemaId) }]));
const STATUS_TEXT: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
const ok = (schemaId: string, ...codes: string[]): Json => ({
  ...Object.fromEntries(codes.map((code) => [code, { description: STATUS_TEXT[code], content: content(RESPONSE_TYPES, schemaId) }])),
  '401': { description: 'Unauthorized' },
});
const body = (types: readonly string[], schemaId: string, required = true): Json => ({
  content: content(types, schemaId),
  ...(required ? { required: true } : {}),
});

type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

function op(
  gv: GroupVersion,
  operationId: string,
  description: string,
  action: Action,
  gvk: Gvk,
  parameters: Json[],
  responses: Json,
  requestBody?: Json,
): Json {
  return {
    tags: [gv.tag],
    description,
    operationId,
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  };
}

const writeParams = (): Json[] => [P.pretty, P.dryRun, P.fieldManager, P.fieldValidation];

/** The operations of one object URL (`…/pods/{name}` or a subresource of it). */
function objectOps(
  gv: GroupVersion,
  opts: {
    idBase: string; // e.g. "NamespacedPodStatus"
    what: string; // e.g. "status of the specified Pod"
    scope: Json[];
    gvk: Gvk;
    schemaId: string;
    delete?: { returnsObject: boolean };
  },
): Json {
  const { idBase, what, scope, gvk, schemaId } = opts;
  const ops: Json = {
    get: op(gv, `read${gv.id}${idBase}`, `read ${what}`, 'get', gvk, [...scope, P.pretty], ok(schemaId, '200')),
    put: op(
      gv,
      `replace${gv.id}${idBase}`,
      `replace ${what}`,
      'put',
      gvk,
      [...scope, ...writeParams()],
      ok(schemaId, '200', '201'),
      body(['*/*'], schemaId),
    ),
    patch: op(
      gv,
      `patch${gv.id}${idBase}`,
      `partially update ${what}`,
      'patch',
      gvk,
      [...scope, ...writeParams(), P.force],
      ok(schemaId, '200', '201'),
      body(PATCH_TYPES, PATCH),
    ),
  };
  if (opts.delete) {
    const result = opts.delete.returnsObject ? schemaId : STATUS;
    ops.delete = op(
      gv,
      `delete${gv.id}${idBase}`,
      `delete ${what}`,
      'delete',
      gvk,
      [...scope, P.pretty, P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy],
      ok(result, '200', '202'),
      body(['*/*'], DELETE_OPTIONS, false),
    );
  }
  return ops;
}

function resourcePaths(gv: GroupVersion, r: ResourceDef): Record<string, Json> {
  const gvk: Gvk = { group: gv.group, version: gv.version, kind: r.kind };
  const schemaId = gv.schemas + r.kind;
  const listId = gv.schemas + r.kind + 'List';
  const ns = r.namespaced ? 'Namespaced' : '';
  const base = r.namespaced ? `${gv.root}/namespaces/{namespace}/${r.plural}` : `${gv.root}/${r.plural}`;
  const scope = r.namespaced ? [P.namespace] : [];
  const objScope = [P.name(r.kind), ...scope];
  const what = `objects of kind ${r.kind}`;
  const paths: Record<string, Json> = {};

  const collection: Json = {
    get: op(gv, `list${gv.id}${ns}${r.kind}`, `list or watch ${what}`, 'list', gvk, [...scope, P.pretty, ...P.list], ok(listId, '200')),
    post: op(
      gv,
      `create${gv.id}${ns}${r.kind}`,
      `create ${r.kind === 'Endpoints' ? 'Endpoints' : `a ${r.kind}`}`,
      'post',
      gvk,
      [...scope, ...writeParams()],
      ok(schemaId, '200', '201', '202'),
      body(['*/*'], schemaId),
    ),
  };
  // Namespaces cannot be deleted as a collection (upstream serves no such operation either).
  if (r.kind !== 'Namespace') {
    collection.delete = op(
      gv,
      `delete${gv.id}Collection${ns}${r.kind}`,
      `delete collection of ${r.kind}`,
      'deletecollection',
      gvk,
      [...scope, P.pretty, P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy, ...P.list],
      ok(STATUS, '200'),
      body(['*/*'], DELETE_OPTIONS, false),
    );
  }
  paths[base] = collection;
  if (r.namespaced) {
    paths[`${gv.root}/${r.plural}`] = {
      get: op(gv, `list${gv.id}${r.kind}ForAllNamespaces`, `list or watch ${what}`, 'list', gvk, [P.pretty, ...P.list], ok(listId, '200')),
    };
  }

  paths[`${base}/{name}`] = objectOps(gv, {
    idBase: `${ns}${r.kind}`,
    what: `the specified ${r.kind}`,
    scope: objScope,
    gvk,
    schemaId,
    delete: { returnsObject: r.deleteReturnsObject },
  });

  for (const sub of r.subresources) {
    if (sub === 'status') {
      paths[`${base}/{name}/status`] = objectOps(gv, {
        idBase: `${ns}${r.kind}Status`,
        what: `status of the specified ${r.kind}`,
        scope: objScope,
        gvk,
        schemaId,
      });
    } else if (sub === 'scale') {
      paths[`${base}/{name}/scale`] = objectOps(gv, {
        idBase: `${ns}${r.kind}Scale`,
        what: `scale of the specified ${r.kind}`,
        scope: objScope,
        gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        schemaId: 'io.k8s.api.autoscaling.v1.Scale',
      });
    } else {
      paths[`${base}/{name}/binding`] = {
        post: op(
          gv,
          `create${gv.id}${ns}${r.kind}Binding`,
          `create binding of a ${r.kind}`,
          'post',
          coreGvk('Binding'),
          [P.name('Binding'), ...scope, ...writeParams()],
          ok(CORE + 'Binding', '200', '201', '202'),
          body(['*/*'], CORE + 'Binding'),
        ),
      };
    }
  }
  return paths;
}

/** meta.k8s.io schemas the paths use that are not among the kinds' own schemas. */
const EXTRA_SCHEMAS: Record<string, Json> = {
  [PATCH]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
};

function build(gv: GroupVersion): Json {
  const paths: Record<string, Json> = {};
  for (const r of RESOURCES) if (inGroupVersion(r, gv)) Object.assign(paths, resourcePaths(gv, r));
  if (gv === CORE_GV) {
    // Bindings also have a namespace-level create-only endpoint (what the seed's scheduler used).
    paths['/api/v1/namespaces/{namespace}/bindings'] = {
      post: op(
        gv,
        'createCoreV1NamespacedBinding',
        'create a Binding',
        'post',
        coreGvk('Binding'),
        [P.namespace, ...writeParams()],
        ok(CORE + 'Binding', '200', '201', '202'),
        body(['*/*'], CORE + 'Binding'),
      ),
    };
  }
  const schemas: Record<string, unknown> = { ...openApiComponents(), ...EXTRA_SCHEMAS };
  // kubectl apply diffs lists by these extensions; without them it replaces every list.
  annotatePatchMeta(schemas);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' },
      },
    },
    security: [{ BearerToken: [] }],
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

interface Built {
  doc: Json;
  json: string;
  hash: string;
}
const cache = new Map<string, Built>();

/** The named group-versions with a document, as `{group, version}`. */
export function openApiV3GroupVersions(): { group: string; version: string }[] {
  const out = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) if (r.group) out.set(`${r.group.name}/${r.group.version}`, { group: r.group.name, version: r.group.version });
  return [...out.values()];
}

function documentOf(group: string, version: string): Built | undefined {
  const key = `${group}/${version}`;
  let built = cache.get(key);
  if (!built) {
    const served = group === '' ? version === 'v1' : openApiV3GroupVersions().some((g) => g.group === group && g.version === version);
    if (!served) return undefined;
    const doc = deepFreeze(build(groupVersionOf(group, version)));
    const json = JSON.stringify(doc);
    // Upstream publishes the SHA-512 of the document, upper-case hex; clients cache by it.
    const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
    built = { doc, json, hash };
    cache.set(key, built);
  }
  return built;
}

const coreV1 = (): Built => documentOf('', 'v1')!;

/** `GET /openapi/v3/api/v1`: the core group's OpenAPI 3.0 document (built once; frozen). */
export function openApiV3CoreV1(): object {
  return coreV1().doc;
}

/** The core document serialised once, for serving without re-stringifying. */
export function openApiV3CoreV1Json(): string {
  return coreV1().json;
}

/** The stable hash of the core document, as used in the root's `serverRelativeURL`. */
export function openApiV3CoreV1Hash(): string {
  return coreV1().hash;
}

/** `GET /openapi/v3/apis/<group>/<version>` (built once; frozen), or undefined when not served. */
export function openApiV3Group(group: string, version: string): object | undefined {
  return group === '' ? undefined : documentOf(group, version)?.doc;
}

/** A named group-version's document serialised once, or undefined when not served. */
export function openApiV3GroupJson(group: string, version: string): string | undefined {
  return group === '' ? undefined : documentOf(group, version)?.json;
}

/** `GET /openapi/v3`: the discovery root listing each group-version's document URL. */
export function openApiV3Root(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {
    'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${openApiV3CoreV1Hash()}` },
  };
  for (const { group, version } of openApiV3GroupVersions()) {
    paths[`apis/${group}/${version}`] = { serverRelativeURL: `/openapi/v3/apis/${group}/${version}?hash=${documentOf(group, version)!.hash}` };
  }
  return { paths };
}
