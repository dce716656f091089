import { StatusError } from '@tskube/api-types';
import { describe, expect, it } from 'vitest';
import { checkObject } from '../body.js';
import { decodeEnvelope, decodeMessage, decodeProtobufBody, decodeProtobufObject } from './decode.js';
import { KUBECTL_BODIES } from './kubectl-fixtures.js';
import { MESSAGES, SCALARS, TOP_LEVEL_KINDS } from './schema.js';
import { body, E, intOrString, key, M, quantity, S, time, V, varint, type Bytes } from './test-encoder.js';
import { ProtobufError, Reader } from './wire.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

const T0 = Date.UTC(2024, 4, 6, 7, 8, 9) / 1000;
const T0_JSON = '2024-05-06T07:08:09Z';

describe('bodies from kubectl 1.32', () => {
  it.each([
    ['createNamespace', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pb-ns' }, spec: {}, status: {} }],
    [
      'createServiceClusterIP',
      'Service',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'pb-ns', labels: { app: 'web' } },
        spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'web' }, type: 'ClusterIP' },
        status: { loadBalancer: {} },
      },
    ],
    [
      'createServiceNodePort',
      'Service',
      {
        metadata: { name: 'np', namespace: 'pb-ns', labels: { app: 'np' } },
        spec: {
          ports: [
            { name: '5678-8080', protocol: 'TCP', port: 5678, targetPort: 8080 },
            { name: '53-dns', protocol: 'TCP', port: 53, targetPort: 'dns' },
          ],
          type: 'NodePort',
        },
      },
    ],
    ['createServiceExternalName', 'Service', { spec: { type: 'ExternalName', externalName: 'example.com', selector: { app: 'ext' } } }],
    ['createServiceHeadless', 'Service', { spec: { clusterIP: 'None', type: 'ClusterIP' } }],
    ['createServiceLoadBalancer', 'Service', { spec: { type: 'LoadBalancer', ports: [{ port: 443, targetPort: 'https' }] } }],
  ] as const)('%s decodes to the JSON kubectl would have sent, valid under fieldValidation=Strict', (name, kind, expected) => {
    const obj = decodeProtobufObject(hex(KUBECTL_BODIES[name]));
    expect(obj).toMatchObject(expected);
    expect(obj.kind).toBe(kind);
    // Zero values the encoder wrote (generateName "", generation 0, creationTimestamp {}) are gone.
    expect(obj.metadata).not.toHaveProperty('generateName');
    expect(obj.metadata).not.toHaveProperty('generation');
    expect(obj.metadata).not.toHaveProperty('creationTimestamp');
    expect(checkObject(obj, kind, 'Strict').warnings).toEqual([]);
  });

  it.each([
    [
      'authCanICreatePods',
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } } },
    ],
    ['authCanIGetMetrics', { kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/metrics', verb: 'get' } } }],
    ['authCanIList', { kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } }],
    ['authWhoami', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }],
  ] as const)('%s (kubectl auth) decodes to its review', (name, expected) => {
    const obj = decodeProtobufObject(hex(KUBECTL_BODIES[name]));
    expect(obj).toMatchObject(expected);
    // What the client left empty stays absent (a review is answered, never stored).
    expect(obj.metadata ?? {}).toEqual({});
  });

  it('reads the runtime.Unknown envelope', () => {
    const env = decodeEnvelope(hex(KUBECTL_BODIES.createNamespace));
    expect(env).toMatchObject({ apiVersion: 'v1', kind: 'Namespace', contentEncoding: '', contentType: '' });
    expect(decodeMessage('Namespace', env.raw)).toEqual({ metadata: { name: 'pb-ns' }, spec: {}, status: {} });
  });
});

describe('hand-built messages', () => {
  const objectMeta = M(
    1,
    S(1, 'web'),
    S(2, 'web-'),
    S(3, 'ns1'),
    S(5, '0a1b2c3d-0000-4000-8000-000000000001'),
    S(6, '42'),
    V(7, 3),
    time(8, T0),
    time(9, T0 + 30),
    V(10, 30),
    E(11, 'app', 'web'),
    E(11, 'tier', 'front'),
    E(12, 'note', 'a: b'),
    M(13, S(5, 'v1'), S(1, 'ReplicationController'), S(3, 'rc'), S(4, 'uid-1'), V(6, true), V(7, false)),
    S(14, 'example.com/cleanup'),
    M(17, S(1, 'kubectl'), S(2, 'Update')), // managedFields: skipped
  );
  const metadata = {
    name: 'web',
    generateName: 'web-',
    namespace: 'ns1',
    uid: '0a1b2c3d-0000-4000-8000-000000000001',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: T0_JSON,
    deletionTimestamp: '2024-05-06T07:08:39Z',
    deletionGracePeriodSeconds: 30,
    labels: { app: 'web', tier: 'front' },
    annotations: { note: 'a: b' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'uid-1', controller: true, blockOwnerDeletion: false }],
    finalizers: ['example.com/cleanup'],
  };

  it('ObjectMeta in full', () => {
    expect(decodeProtobufObject(body('Namespace', [...objectMeta, ...M(2, S(1, 'kubernetes')), ...M(3, S(1, 'Active'))]))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata,
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });

  it('Pod: common PodSpec fields, volumes, probes, env, resources', () => {
    const container = M(
      2,
      S(1, 'app'),
      S(2, 'busybox:1.36'),
      S(3, 'sh'),
      S(3, '-c'),
      S(4, 'sleep 3600'),
      S(5, '/work'),
      M(6, S(1, 'http'), V(3, 8080), S(4, 'TCP')),
      M(7, S(1, 'MODE'), S(2, 'prod')),
      M(7, S(1, 'POD'), M(3, M(1, S(2, 'metadata.name')))),
      M(7, S(1, 'CFG'), M(3, M(3, M(1, S(1, 'settings')), S(2, 'level')))),
      M(8, M(1, S(1, 'cpu'), quantity(2, '500m')), M(2, S(1, 'memory'), quantity(2, '64Mi'))),
      M(9, S(1, 'data'), V(2, true), S(3, '/data')),
      M(10, M(1, M(2, S(1, '/healthz'), intOrString(2, 8080))), V(2, 5), V(4, 10)),
      M(11, M(1, M(3, intOrString(1, 'http'))), V(7, 0)),
      S(14, 'IfNotPresent'),
      M(15, V(2, false), V(4, 0), M(1, S(2, 'ALL'))),
      V(16, false),
    );
    const spec = M(
      2,
      M(1, S(1, 'data'), M(2, M(2, S(1, 'Memory'), quantity(2, '1Gi')))),
      M(1, S(1, 'host'), M(2, M(1, S(1, '/var/log'), S(2, 'Directory')))),
      container,
      S(3, 'Always'),
      V(4, 0),
      S(6, 'ClusterFirst'),
      E(7, 'disk', 'ssd'),
      S(8, 'builder'),
      S(10, 'node-1'),
      M(22, S(1, 'dedicated'), S(2, 'Equal'), S(3, 'gpu'), S(4, 'NoExecute'), V(5, 60)),
      V(25, -5),
      M(18, S(1, 'affinity is skipped')),
    );
    const status = M(3, S(1, 'Pending'), M(2, S(1, 'PodScheduled'), S(2, 'False'), time(4, T0)), S(9, 'Burstable'));
    const obj = decodeProtobufObject(body('Pod', [...M(1, S(1, 'web'), S(3, 'ns1')), ...spec, ...status]));
    expect(obj).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'ns1' },
      spec: {
        volumes: [
          { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
          { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
        ],
        containers: [
          {
            name: 'app',
            image: 'busybox:1.36',
            command: ['sh', '-c'],
            args: ['sleep 3600'],
            workingDir: '/work',
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            env: [
              { name: 'MODE', value: 'prod' },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'CFG', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } },
            ],
            resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
            volumeMounts: [{ name: 'data', readOnly: true, mountPath: '/data' }],
            livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 },
            readinessProbe: { tcpSocket: { port: 'http' }, terminationGracePeriodSeconds: 0 },
            imagePullPolicy: 'IfNotPresent',
            securityContext: { privileged: false, runAsUser: 0, capabilities: { drop: ['ALL'] } },
          },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 0,
        dnsPolicy: 'ClusterFirst',
        nodeSelector: { disk: 'ssd' },
        serviceAccountName: 'builder',
        nodeName: 'node-1',
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute', tolerationSeconds: 60 }],
        priority: -5,
      },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', lastTransitionTime: T0_JSON }], qosClass: 'Burstable' },
    });
    expect(checkObject(obj, 'Pod', 'Strict').warnings).toEqual([]);
  });

  it('Node: spec and status', () => {
    const nodeInfo = M(7, ...['m', 's', 'b', '6.1', 'Debian', 'docker://24', 'v1.32.0', 'v1.32.0', 'linux', 'amd64'].map((v, i) => S(i + 1, v)));
    const obj = decodeProtobufObject(
      body('Node', [
        ...M(1, S(1, 'node-1'), E(11, 'kubernetes.io/hostname', 'node-1')),
        ...M(2, S(1, '10.244.1.0/24'), V(4, true), M(5, S(1, 'maintenance'), S(3, 'NoSchedule'))),
        ...M(
          3,
          M(1, S(1, 'cpu'), quantity(2, '4')),
          M(1, S(1, 'pods'), quantity(2, '110')),
          M(2, S(1, 'memory'), quantity(2, '7Gi')),
          M(4, S(1, 'Ready'), S(2, 'True'), time(3, T0), time(4, T0), S(5, 'KubeletReady'), S(6, 'kubelet is posting ready status')),
          M(5, S(1, 'InternalIP'), S(2, '127.0.0.10')),
          M(6, M(1, V(1, 10250))),
          nodeInfo,
        ),
      ]),
    );
    expect(obj).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
      spec: { podCIDR: '10.244.1.0/24', unschedulable: true, taints: [{ key: 'maintenance', effect: 'NoSchedule' }] },
      status: {
        capacity: { cpu: '4', pods: '110' },
        allocatable: { memory: '7Gi' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastHeartbeatTime: T0_JSON,
            lastTransitionTime: T0_JSON,
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
        addresses: [{ type: 'InternalIP', address: '127.0.0.10' }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: 'm',
          systemUUID: 's',
          bootID: 'b',
          kernelVersion: '6.1',
          osImage: 'Debian',
          containerRuntimeVersion: 'docker://24',
          kubeletVersion: 'v1.32.0',
          kubeProxyVersion: 'v1.32.0',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    });
    expect(checkObject(obj, 'Node', 'Strict').warnings).toEqual([]);
  });

  it.each([
    [
      'Binding',
      [...M(1, S(1, 'web'), S(3, 'ns1')), ...M(2, S(1, 'Node'), S(3, 'node-1'))],
      { metadata: { name: 'web', namespace: 'ns1' }, target: { kind: 'Node', name: 'node-1' } },
    ],
    [
      'Event',
      [
        ...M(1, S(1, 'web.1'), S(3, 'ns1')),
        ...M(2, S(1, 'Pod'), S(2, 'ns1'), S(3, 'web'), S(7, 'spec.containers{app}')),
        ...S(3, 'Pulled'),
        ...S(4, 'pulled image'),
        ...M(5, S(1, 'kubelet'), S(2, 'node-1')),
        ...time(6, T0),
        ...time(7, T0),
        ...V(8, 2),
        ...S(9, 'Normal'),
        ...time(10, T0, 123_456_789),
      ],
      {
        metadata: { name: 'web.1', namespace: 'ns1' },
        involvedObject: { kind: 'Pod', namespace: 'ns1', name: 'web', fieldPath: 'spec.containers{app}' },
        reason: 'Pulled',
        message: 'pulled image',
        source: { component: 'kubelet', host: 'node-1' },
        firstTimestamp: T0_JSON,
        lastTimestamp: T0_JSON,
        count: 2,
        type: 'Normal',
        eventTime: '2024-05-06T07:08:09.123456Z',
      },
    ],
    [
      'Endpoints',
      [
        ...M(1, S(1, 'web'), S(3, 'ns1')),
        ...M(
          2,
          M(1, S(1, '10.244.1.5'), S(4, 'node-1'), M(2, S(1, 'Pod'), S(3, 'web-abc'))),
          M(2, S(1, '10.244.1.6')),
          M(3, S(1, 'http'), V(2, 8080), S(3, 'TCP')),
        ),
      ],
      {
        metadata: { name: 'web', namespace: 'ns1' },
        subsets: [
          {
            addresses: [{ ip: '10.244.1.5', nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-abc' } }],
            notReadyAddresses: [{ ip: '10.244.1.6' }],
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          },
        ],
      },
    ],
    [
      'ReplicationController',
      [
        ...M(1, S(1, 'web-rc'), S(3, 'ns1')),
        ...M(
          2,
          V(1, 0),
          E(2, 'app', 'web'),
          M(3, M(1, E(11, 'app', 'web')), M(2, M(2, S(1, 'app'), S(2, 'busybox')))),
        ),
        ...M(3, V(1, 0)),
      ],
      {
        metadata: { name: 'web-rc', namespace: 'ns1' },
        spec: {
          replicas: 0,
          selector: { app: 'web' },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
        },
        status: { replicas: 0 },
      },
    ],
    [
      'Service',
      [
        ...M(1, S(1, 'web'), S(3, 'ns1')),
        ...M(
          2,
          M(1, S(2, 'UDP'), V(3, 53), intOrString(4, 0), V(5, 30053)),
          S(3, '10.0.0.10'),
          S(18, '10.0.0.10'),
          S(4, 'NodePort'),
          S(5, '192.0.2.1'),
          S(7, 'ClientIP'),
          M(14, M(1, V(1, 10800))),
          S(19, 'IPv4'),
          S(17, 'SingleStack'),
          S(22, 'Cluster'),
        ),
      ],
      {
        metadata: { name: 'web', namespace: 'ns1' },
        spec: {
          ports: [{ protocol: 'UDP', port: 53, nodePort: 30053 }],
          clusterIP: '10.0.0.10',
          clusterIPs: ['10.0.0.10'],
          type: 'NodePort',
          externalIPs: ['192.0.2.1'],
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
          ipFamilies: ['IPv4'],
          ipFamilyPolicy: 'SingleStack',
          internalTrafficPolicy: 'Cluster',
        },
      },
    ],
    [
      'DeleteOptions',
      [...V(1, 0), ...M(2, S(1, 'uid-1'), S(2, '7')), ...S(4, 'Foreground'), ...S(5, 'All')],
      { gracePeriodSeconds: 0, preconditions: { uid: 'uid-1', resourceVersion: '7' }, propagationPolicy: 'Foreground', dryRun: ['All'] },
    ],
    ['Scale', [...M(1, S(1, 'web-rc'), S(3, 'ns1')), ...M(2, V(1, 3))], { metadata: { name: 'web-rc', namespace: 'ns1' }, spec: { replicas: 3 } }],
  ] as const)('%s', (kind, raw, expected) => {
    const apiVersion = kind === 'Scale' ? 'autoscaling/v1' : 'v1';
    const obj = decodeProtobufObject(body(kind, [...raw], apiVersion));
    expect(obj).toEqual({ apiVersion, kind, ...expected });
    expect(checkObject(obj, kind, 'Strict').warnings).toEqual([]);
  });
});

describe('wire details', () => {
  const meta = (...fields: Bytes[]) => decodeMessage('ObjectMeta', Uint8Array.from(fields.flat()));

  it('negative int32 (10-byte varint) and large int64', () => {
    expect(decodeMessage('PodSpec', Uint8Array.from(V(25, -7)))).toEqual({ priority: -7 });
    expect(meta(V(7, 2 ** 40 + 1))).toEqual({ generation: 2 ** 40 + 1 });
    expect(meta(V(10, -1))).toEqual({ deletionGracePeriodSeconds: -1 });
  });

  it('repeated scalars, packed or not', () => {
    const packed = S(4, [...varint(1000), ...varint(2000)]);
    expect(decodeMessage('PodSecurityContext', Uint8Array.from([...packed, ...V(4, 3000)]))).toEqual({ supplementalGroups: [1000, 2000, 3000] });
  });

  it('skips unknown fields of every wire type', () => {
    const unknown = [...V(99, 5), ...key(98, 1), ...Array(8).fill(0xff), ...S(97, 'x'), ...key(96, 5), 1, 2, 3, 4];
    expect(meta(unknown, S(1, 'a'), unknown)).toEqual({ name: 'a' });
  });

  it('the last value of a repeated-on-the-wire singular field wins, a zero one removes it', () => {
    expect(meta(S(1, 'a'), S(1, 'b'))).toEqual({ name: 'b' });
    expect(meta(S(1, 'a'), S(1, ''))).toEqual({});
  });

  it('map entries without a value, and a "__proto__" key stays an own key', () => {
    const labels = meta(M(11, S(1, 'empty')), E(11, '__proto__', 'x')).labels as Record<string, string>;
    expect(Object.keys(labels)).toEqual(['empty', '__proto__']);
    expect(labels.empty).toBe('');
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('times: whole seconds for Time, microseconds for MicroTime, an empty message is unset', () => {
    expect(meta(time(8, T0, 999_999_999))).toEqual({ creationTimestamp: T0_JSON });
    expect(meta(M(8))).toEqual({});
    expect(decodeMessage('EventSeries', Uint8Array.from(time(2, T0, 5000)))).toEqual({ lastObservedTime: '2024-05-06T07:08:09.000005Z' });
  });

  it('Reader reads fixed32 and fixed64', () => {
    const r = new Reader(Uint8Array.of(0x01, 0x00, 0x00, 0x80, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    expect(r.fixed32()).toBe(0x80000001);
    expect(r.fixed64()).toBe(-2);
    expect(r.eof()).toBe(true);
  });
});

describe('malformed bodies', () => {
  const good = hex(KUBECTL_BODIES.createServiceClusterIP);
  it.each([
    ['no magic', Uint8Array.from([...Buffer.from('{"kind":"Pod"}')]), 'prefix'],
    ['only the magic of a kind we lack', body('TokenRequest', []), 'no protobuf decoding for kind "TokenRequest"'],
    ['a truncated body', good.subarray(0, good.length - 5), 'end'],
    ['a length past the end', Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...key(2, 2), ...varint(1000), 1, 2]), 'runs past the end'],
    ['an overlong varint', Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...Array(11).fill(0xff)]), 'varint'],
    ['field number 0', Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x02, 0x00]), 'field number 0'],
    ['a group wire type', body('Pod', [...key(5, 3)]), 'wire type 3'],
    ['a string field sent as a varint', body('Pod', [...M(1, V(1, 5))]), 'wire type 0'],
    ['a timestamp out of range', body('Pod', [...M(1, time(8, 1e15))]), 'out of range'],
    ['gzip content encoding', Uint8Array.from([...body('Pod', []), ...S(3, 'gzip')]), 'content encoding'],
  ])('%s → ProtobufError, 400 from the body reader', (_what, bytes, message) => {
    expect(() => decodeProtobufObject(bytes)).toThrow(ProtobufError);
    expect(() => decodeProtobufObject(bytes)).toThrow(message);
    let err: unknown;
    try {
      decodeProtobufBody(bytes, 'Pod');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).toStatus()).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((err as StatusError).message).toContain('must be of type Pod');
  });

  it('an envelope without typeMeta is decoded as the endpoint\'s kind; without either it is an error', () => {
    const bare = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...S(2, M(1, S(1, 'p')))]);
    expect(decodeProtobufBody(bare, 'Pod')).toEqual({ metadata: { name: 'p' } });
    expect(() => decodeProtobufObject(bare)).toThrow('no protobuf decoding for kind ""');
  });

  it('every truncation and single-byte corruption of a real body decodes or is a ProtobufError', () => {
    const bodies = Object.values(KUBECTL_BODIES).map(hex);
    for (const b of bodies) {
      for (let n = 0; n < b.length; n++) expectDecodesOrProtobufError(b.subarray(0, n));
      for (let i = 4; i < b.length; i++) {
        for (const x of [0x00, 0x7f, 0x80, 0xff]) {
          const c = Uint8Array.from(b);
          c[i] = x;
          expectDecodesOrProtobufError(c);
        }
      }
    }
  });
});

function expectDecodesOrProtobufError(bytes: Uint8Array): void {
  try {
    decodeProtobufObject(bytes, 'Service');
  } catch (err) {
    if (!(err instanceof ProtobufError)) throw err;
  }
}

describe('schema tables', () => {
  it('every referenced type is a scalar or a known message; JSON names are unique per message', () => {
    for (const [message, fields] of MESSAGES) {
      const names = [...fields.values()].map((f) => f.name).filter((n) => n !== undefined);
      expect(new Set(names).size, message).toBe(names.length);
      for (const f of fields.values()) expect(SCALARS.has(f.type) || MESSAGES.has(f.type), `${message}.${f.name}: ${f.type}`).toBe(true);
    }
    for (const kind of TOP_LEVEL_KINDS) expect(MESSAGES.has(kind), kind).toBe(true);
  });
});
