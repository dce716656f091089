import { describe, expect, it } from 'vitest';
import { openApiComponents, schemaErrors, schemas, stripNulls, unknownFields, type SchemaKind } from './index.js';

describe('schemaErrors', () => {
  it('accepts a well-typed pod, including nulls that Go would read as absent', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', creationTimestamp: null, labels: { app: 'x' } },
      spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: '1', memory: 1073741824 } } }] },
      status: {},
    };
    expect(schemaErrors('Pod', pod)).toEqual([]);
  });

  it.each<[string, SchemaKind, unknown, string, string]>([
    ['int32 given a string', 'ReplicationController', { spec: { replicas: 'string' } }, 'spec.replicas', 'integer'],
    ['int given a fraction', 'ReplicationController', { spec: { replicas: 1.5 } }, 'spec.replicas', 'integer'],
    ['nested array item', 'Pod', { spec: { containers: [{ name: 'c', ports: [{ containerPort: 1 }, { containerPort: '80' }] }] } }, 'spec.containers[0].ports[1].containerPort', 'integer'],
    ['map value', 'Pod', { metadata: { labels: { 'app.kubernetes.io/name': 3 } } }, 'metadata.labels[app.kubernetes.io/name]', 'string'],
    ['IntOrString', 'Service', { spec: { ports: [{ port: 80, targetPort: true }] } }, 'spec.ports[0].targetPort', 'integer or string'],
    ['quantity', 'Node', { status: { capacity: { cpu: [] } } }, 'status.capacity[cpu]', 'string or number'],
    ['timestamp', 'Pod', { status: { startTime: 'yesterday' } }, 'status.startTime', 'date-time'],
    ['array given an object', 'Pod', { spec: { containers: {} } }, 'spec.containers', 'array'],
  ])('reports %s with its Kubernetes path', (_name, kind, obj, path, expected) => {
    const errs = schemaErrors(kind, obj);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ type: 'FieldValueTypeInvalid', field: path });
    expect(errs[0]!.message).toContain(`${path} in body must be of type ${expected}`);
  });

  it('uses the upstream wording', () => {
    expect(schemaErrors('ReplicationController', { spec: { replicas: 'string' } })[0]!.message).toBe(
      'Invalid value: "string": spec.replicas in body must be of type integer',
    );
  });

  it('leaves missing required fields and unknown fields to other checks', () => {
    expect(schemaErrors('Pod', { spec: { containers: [{ image: 'x', bogus: 1 }] } })).toEqual([]);
  });

  it('rejects kinds it has no schema for', () => {
    expect(() => schemaErrors('Widget', {})).toThrow(/no schema/);
  });
});

describe('unknownFields', () => {
  it('finds unknown fields at any depth', () => {
    const pod = {
      metadata: { name: 'p', labelz: {} },
      spec: {
        containers: [{ name: 'c', imagePullPolcy: 'Always', ports: [{ containerPort: 1, hostport: 2 }] }],
        volumes: [{ name: 'v', emptyDir: { sizelimit: '1Gi' } }],
      },
      extra: true,
    };
    expect(unknownFields('Pod', pod)).toEqual([
      'metadata.labelz',
      'spec.containers[0].imagePullPolcy',
      'spec.containers[0].ports[0].hostport',
      'spec.volumes[0].emptyDir.sizelimit',
      'extra',
    ]);
  });

  it('ignores fields inside loosely modelled objects and free-form maps', () => {
    const pod = {
      metadata: { labels: { anything: 'x' }, managedFields: [{ manager: 'kubectl', newField: 1 }] },
      spec: {
        containers: [{ name: 'c', securityContext: { seccompProfile: { type: 'RuntimeDefault', future: 1 } } }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} }, somethingNew: {} },
        volumes: [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }, { name: 'n', nfs: { server: 's' } }],
      },
    };
    expect(unknownFields('Pod', pod)).toEqual([]);
  });

  it('knows the fields of every kind it serves', () => {
    const rc = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc' },
      spec: { replicas: 1, selector: { a: 'b' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [] } } },
      status: { replicas: 0, observedGeneration: 1 },
    };
    expect(unknownFields('ReplicationController', rc)).toEqual([]);
    expect(unknownFields('ReplicationController', { spec: { template: { spec: { nodeNmae: 'x' } } } })).toEqual([
      'spec.template.spec.nodeNmae',
    ]);
  });
});

describe('a pod as a real apiserver returns it', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-7d4b9', generateName: 'web-', namespace: 'default', uid: '0b3c', resourceVersion: '812',
      creationTimestamp: '2024-05-01T10:00:00Z', labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: 'a1', controller: true, blockOwnerDeletion: true }],
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }],
    },
    spec: {
      volumes: [{ name: 'kube-api-access-x', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
      containers: [{
        name: 'web', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
        resources: { limits: { cpu: '500m' }, requests: { cpu: '500m' } },
        volumeMounts: [{ name: 'kube-api-access-x', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
        readinessProbe: { httpGet: { path: '/', port: 80, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent',
      }],
      restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', serviceAccountName: 'default',
      serviceAccount: 'default', nodeName: 'node-1', securityContext: {}, schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      priority: 0, enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-05-01T10:00:05Z' }],
      hostIP: '192.168.1.10', hostIPs: [{ ip: '192.168.1.10' }], podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }],
      startTime: '2024-05-01T10:00:00Z',
      containerStatuses: [{
        name: 'web', state: { running: { startedAt: '2024-05-01T10:00:03Z' } }, lastState: {}, ready: true,
        restartCount: 0, image: 'docker.io/library/nginx:1.25', imageID: 'docker.io/library/nginx@sha256:ab',
        containerID: 'containerd://1f', started: true,
      }],
      qosClass: 'Burstable',
    },
  };
  it('has no type errors and no unknown fields', () => {
    expect(schemaErrors('Pod', pod)).toEqual([]);
    expect(unknownFields('Pod', pod)).toEqual([]);
  });
});

describe('stripNulls', () => {
  it('removes null properties recursively', () => {
    expect(stripNulls({ a: null, b: { c: null, d: 1 }, e: [{ f: null }] })).toEqual({ b: { d: 1 }, e: [{}] });
  });
});

describe('openApiComponents', () => {
  const components = openApiComponents();

  it('is JSON-serialisable and stable across calls', () => {
    const json = JSON.stringify(components);
    expect(JSON.parse(json)).toEqual(components);
    expect(JSON.stringify(openApiComponents())).toBe(json);
  });

  it('resolves every $ref to a component', () => {
    const refs: string[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        for (const [k, v] of Object.entries(n)) {
          if (k === '$ref') refs.push(v as string);
          else walk(v);
        }
      }
    };
    walk(components);
    expect(refs.length).toBeGreaterThan(50);
    const missing = refs.filter((r) => !(r.replace('#/components/schemas/', '') in components));
    expect(missing).toEqual([]);
  });

  it('uses no JSON Schema keywords that OpenAPI 3.0 lacks', () => {
    const json = JSON.stringify(components);
    expect(json).not.toContain('patternProperties');
    expect(json).not.toContain('"$id"');
  });

  it('tags each top-level kind with its group/version/kind', () => {
    const pod = components['io.k8s.api.core.v1.Pod'] as Record<string, unknown>;
    expect(pod['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    const scale = components['io.k8s.api.autoscaling.v1.Scale'] as Record<string, unknown>;
    expect(scale['x-kubernetes-group-version-kind']).toEqual([{ group: 'autoscaling', version: 'v1', kind: 'Scale' }]);
    for (const kind of Object.keys(schemas)) {
      const id = (schemas[kind as SchemaKind] as { $id: string }).$id;
      expect(components[id], kind).toHaveProperty('x-kubernetes-group-version-kind');
    }
  });

  it('spells IntOrString and Quantity as upstream', () => {
    expect(components['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    expect(components['io.k8s.apimachinery.pkg.api.resource.Quantity']).toMatchObject({ type: 'string' });
  });
});
