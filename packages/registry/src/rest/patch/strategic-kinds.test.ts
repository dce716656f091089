/** Strategic merge patches as kubectl, the kubelet and controllers send them, on core/v1 objects. */
import { describe, expect, it } from 'vitest';
import { applyPatch } from './index.js';

type Obj = Record<string, unknown>;

/** Every `$`-key left anywhere in a value: there must be none after a patch. */
function directiveKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => directiveKeys(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [...(k.startsWith('$') ? [`${path}.${k}`] : []), ...directiveKeys(v, `${path}.${k}`)]);
}

const at = (obj: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v === null || typeof v !== 'object' ? undefined : (v as Obj)[k]), obj);

const pod = (): Obj => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {
    name: 'web',
    namespace: 'default',
    labels: { app: 'web', tier: 'front' },
    finalizers: ['a/one', 'b/two', 'c/three'],
    ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'u1', controller: true }],
  },
  spec: {
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        args: ['-a', '-b'],
      },
      { name: 'sidecar', image: 'busybox' },
    ],
    initContainers: [{ name: 'init', image: 'busybox' }],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }],
    imagePullSecrets: [{ name: 'reg' }],
    hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }],
    topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' }],
    tolerations: [{ key: 'k1', operator: 'Exists' }],
    nodeSelector: { disk: 'ssd', zone: 'a' },
  },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }],
    podIPs: [{ ip: '10.1.0.5' }],
  },
});

const patchPod = (patch: unknown): Obj => applyPatch('strategic', pod(), patch, 'Pod') as Obj;

describe('strategic merge patch on a Pod', () => {
  it('applies the typical client-side `kubectl apply` patch', () => {
    const lastApplied = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"image":"nginx:1.27","name":"nginx"}]}}\n';
    const got = patchPod({
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
      spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
        containers: [{ image: 'nginx:1.27', name: 'nginx' }],
      },
    });
    expect(at(got, 'metadata.annotations')).toEqual({ 'kubectl.kubernetes.io/last-applied-configuration': lastApplied });
    expect(at(got, 'metadata.labels')).toEqual({ app: 'web', tier: 'front' });
    const containers = at(got, 'spec.containers') as Obj[];
    expect(containers.map((c) => [c.name, c.image])).toEqual([['nginx', 'nginx:1.27'], ['sidecar', 'busybox']]);
    expect(containers[0]?.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    expect(directiveKeys(got)).toEqual([]);
  });

  it('applies a `kubectl set image` patch without touching the other containers', () => {
    const got = patchPod({ spec: { containers: [{ name: 'sidecar', image: 'busybox:1.36' }] } });
    expect((at(got, 'spec.containers') as Obj[]).map((c) => [c.name, c.image])).toEqual([
      ['nginx', 'nginx:1.25'],
      ['sidecar', 'busybox:1.36'],
    ]);
  });

  it('applies `kubectl label` / `annotate` style map patches: null removes a key', () => {
    const got = patchPod({ metadata: { labels: { tier: null, env: 'prod' }, annotations: { note: 'x' } } });
    expect(at(got, 'metadata.labels')).toEqual({ app: 'web', env: 'prod' });
    expect(at(got, 'metadata.annotations')).toEqual({ note: 'x' });
  });

  it.each<{ name: string; patch: unknown; path: string; want: unknown }>([
    {
      name: 'env: add by name, change by name, delete with $patch',
      patch: { spec: { containers: [{ name: 'nginx', env: [{ name: 'C', value: '3' }, { name: 'B', value: '22' }, { name: 'A', $patch: 'delete' }] }] } },
      path: 'spec.containers',
      want: [
        expect.objectContaining({ name: 'nginx', env: [{ name: 'C', value: '3' }, { name: 'B', value: '22' }] }),
        { name: 'sidecar', image: 'busybox' },
      ],
    },
    {
      name: 'ports merge by containerPort',
      patch: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 443 }, { containerPort: 80, name: 'http' }] }] } },
      path: 'spec.containers',
      want: [
        expect.objectContaining({ ports: [{ containerPort: 443 }, { containerPort: 80, protocol: 'TCP', name: 'http' }] }),
        expect.anything(),
      ],
    },
    {
      name: 'volumeMounts merge by mountPath',
      patch: { spec: { containers: [{ name: 'nginx', volumeMounts: [{ mountPath: '/data', readOnly: true }, { name: 'cfg', mountPath: '/etc/c' }] }] } },
      path: 'spec.containers',
      want: [
        expect.objectContaining({
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }, { name: 'cfg', mountPath: '/etc/c' }],
        }),
        expect.anything(),
      ],
    },
    {
      name: 'args have no strategy: replaced',
      patch: { spec: { containers: [{ name: 'nginx', args: ['-c'] }] } },
      path: 'spec.containers',
      want: [expect.objectContaining({ args: ['-c'] }), expect.anything()],
    },
    {
      name: 'initContainers merge by name',
      patch: { spec: { initContainers: [{ name: 'init2', image: 'x' }] } },
      path: 'spec.initContainers',
      want: [{ name: 'init2', image: 'x' }, { name: 'init', image: 'busybox' }],
    },
    {
      name: 'imagePullSecrets merge by name',
      patch: { spec: { imagePullSecrets: [{ name: 'other' }] } },
      path: 'spec.imagePullSecrets',
      want: [{ name: 'other' }, { name: 'reg' }],
    },
    {
      name: 'hostAliases merge by ip',
      patch: { spec: { hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }] } },
      path: 'spec.hostAliases',
      want: [{ ip: '10.0.0.1', hostnames: ['b'] }],
    },
    {
      name: 'topologySpreadConstraints merge by topologyKey',
      patch: { spec: { topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 2 }, { topologyKey: 'host', maxSkew: 1 }] } },
      path: 'spec.topologySpreadConstraints',
      want: [
        { topologyKey: 'zone', maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule' },
        { topologyKey: 'host', maxSkew: 1 },
      ],
    },
    {
      name: 'tolerations have no strategy: replaced',
      patch: { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } },
      path: 'spec.tolerations',
      want: [{ key: 'k2', operator: 'Exists' }],
    },
    {
      name: '$retainKeys switches a volume from emptyDir to hostPath',
      patch: {
        spec: {
          '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cfg' }],
          volumes: [{ $retainKeys: ['hostPath', 'name'], name: 'data', hostPath: { path: '/srv' } }],
        },
      },
      path: 'spec.volumes',
      want: [{ name: 'data', hostPath: { path: '/srv' } }, { name: 'cfg', configMap: { name: 'c' } }],
    },
    {
      name: '$patch: replace on a map',
      patch: { spec: { nodeSelector: { $patch: 'replace', gpu: 'yes' } } },
      path: 'spec.nodeSelector',
      want: { gpu: 'yes' },
    },
    {
      name: '$deleteFromPrimitiveList/finalizers',
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b/two'] } },
      path: 'metadata.finalizers',
      want: ['a/one', 'c/three'],
    },
    {
      name: 'finalizers are a set: added ones are merged in',
      patch: { metadata: { '$setElementOrder/finalizers': ['a/one', 'b/two', 'c/three', 'd/four'], finalizers: ['d/four'] } },
      path: 'metadata.finalizers',
      want: ['a/one', 'b/two', 'c/three', 'd/four'],
    },
    {
      name: 'ownerReferences merge by uid',
      patch: { metadata: { ownerReferences: [{ uid: 'u1', blockOwnerDeletion: true }] } },
      path: 'metadata.ownerReferences',
      want: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'u1', controller: true, blockOwnerDeletion: true }],
    },
    {
      name: 'status conditions merge by type (kubelet status patch)',
      patch: {
        status: {
          '$setElementOrder/conditions': [{ type: 'Initialized' }, { type: 'Ready' }, { type: 'PodScheduled' }],
          conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
          phase: 'Running',
        },
      },
      path: 'status.conditions',
      want: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
    {
      name: 'status.podIPs merge by ip',
      patch: { status: { podIPs: [{ ip: 'fd00::5' }] } },
      path: 'status.podIPs',
      want: [{ ip: 'fd00::5' }, { ip: '10.1.0.5' }],
    },
  ])('$name', ({ patch, path, want }) => {
    const got = patchPod(patch);
    expect(at(got, path)).toEqual(want);
    expect(directiveKeys(got)).toEqual([]);
  });
});

describe('strategic merge patch on other kinds', () => {
  const rc = (): Obj => ({
    kind: 'ReplicationController',
    apiVersion: 'v1',
    metadata: { name: 'rc', finalizers: ['x'] },
    spec: {
      replicas: 2,
      selector: { app: 'web' },
      template: {
        metadata: { labels: { app: 'web' }, finalizers: ['t'] },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1', env: [{ name: 'A', value: '1' }] }] },
      },
    },
    status: { replicas: 2, conditions: [{ type: 'ReplicaFailure', status: 'True' }] },
  });

  it.each<{ name: string; kind: string; original: () => Obj; patch: unknown; path: string; want: unknown }>([
    {
      name: 'RC template containers merge by name, env by name',
      kind: 'ReplicationController',
      original: rc,
      patch: { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2', env: [{ name: 'B', value: '2' }] }] } } } },
      path: 'spec.template.spec.containers',
      want: [{ name: 'nginx', image: 'nginx:2', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }],
    },
    {
      name: 'RC template metadata: labels merge, finalizers are a set',
      kind: 'ReplicationController',
      original: rc,
      patch: { spec: { template: { metadata: { labels: { track: 'canary' }, finalizers: ['u'] } } } },
      path: 'spec.template.metadata',
      want: { labels: { app: 'web', track: 'canary' }, finalizers: ['u', 't'] },
    },
    {
      name: 'RC status conditions merge by type',
      kind: 'ReplicationController',
      original: rc,
      patch: { status: { conditions: [{ type: 'ReplicaFailure', $patch: 'delete' }] } },
      path: 'status.conditions',
      want: [],
    },
    {
      name: 'Node status addresses merge by type',
      kind: 'Node',
      original: () => ({ kind: 'Node', apiVersion: 'v1', metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n' }] } }),
      patch: { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } },
      path: 'status.addresses',
      want: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n' }],
    },
    {
      name: 'Node status conditions merge by type (heartbeat)',
      kind: 'Node',
      original: () => ({ kind: 'Node', apiVersion: 'v1', metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 't1' }, { type: 'MemoryPressure', status: 'False' }] } }),
      patch: { status: { conditions: [{ type: 'Ready', lastHeartbeatTime: 't2' }] } },
      path: 'status.conditions',
      want: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 't2' }, { type: 'MemoryPressure', status: 'False' }],
    },
    {
      name: 'Node spec.podCIDRs is a set, taints are replaced (kubectl taint)',
      kind: 'Node',
      original: () => ({ kind: 'Node', apiVersion: 'v1', metadata: { name: 'n' }, spec: { podCIDRs: ['10.2.0.0/24'], taints: [{ key: 'a', effect: 'NoSchedule' }] } }),
      patch: { spec: { podCIDRs: ['fd00::/64'], taints: [{ key: 'b', effect: 'NoExecute' }], unschedulable: true } },
      path: 'spec',
      want: { podCIDRs: ['fd00::/64', '10.2.0.0/24'], taints: [{ key: 'b', effect: 'NoExecute' }], unschedulable: true },
    },
    {
      name: 'Service spec.ports merge by port',
      kind: 'Service',
      original: () => ({ kind: 'Service', apiVersion: 'v1', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } }),
      patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      path: 'spec.ports',
      want: [{ port: 80, targetPort: 9090 }, { port: 443 }],
    },
    {
      name: 'Namespace status conditions merge by type',
      kind: 'Namespace',
      original: () => ({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'ns' }, status: { phase: 'Active', conditions: [{ type: 'A', status: 'False' }] } }),
      patch: { status: { conditions: [{ type: 'B', status: 'True' }] } },
      path: 'status.conditions',
      want: [{ type: 'B', status: 'True' }, { type: 'A', status: 'False' }],
    },
    {
      name: 'Endpoints subsets have no strategy: replaced',
      kind: 'Endpoints',
      original: () => ({ kind: 'Endpoints', apiVersion: 'v1', metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '1.1.1.1' }] }] }),
      patch: { subsets: [{ addresses: [{ ip: '2.2.2.2' }] }] },
      path: 'subsets',
      want: [{ addresses: [{ ip: '2.2.2.2' }] }],
    },
    {
      name: 'unknown kinds get merge-patch semantics, directives still stripped',
      kind: 'Widget',
      original: () => ({ kind: 'Widget', apiVersion: 'example.com/v1', metadata: { name: 'w', finalizers: ['a'] }, spec: { items: [{ name: 'a' }] } }),
      patch: { metadata: { finalizers: ['b'] }, spec: { items: [{ name: 'b', $patch: 'delete' }, { name: 'c' }] } },
      path: '',
      want: { kind: 'Widget', apiVersion: 'example.com/v1', metadata: { name: 'w', finalizers: ['b'] }, spec: { items: [{ name: 'c' }] } },
    },
  ])('$name', ({ kind, original, patch, path, want }) => {
    const got = applyPatch('strategic', original(), patch, kind);
    expect(path ? at(got, path) : got).toEqual(want);
    expect(directiveKeys(got)).toEqual([]);
  });
});
