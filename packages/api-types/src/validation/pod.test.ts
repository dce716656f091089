import { describe, expect, it } from 'vitest';
import { defaultPod } from '../defaults/index.js';
import type { Pod } from '../types/index.js';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';

/** A defaulted pod that passes validation; rows change one thing. */
function validPod(): Pod {
  return defaultPod({
    metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } },
    spec: {
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [
        {
          name: 'web',
          image: 'tskube/busybox:latest',
          ports: [{ name: 'http', containerPort: 8080 }],
          env: [{ name: 'MODE', value: 'prod' }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
          resources: { requests: { cpu: '100m' }, limits: { cpu: '500m', memory: '64Mi' } },
          livenessProbe: { httpGet: { port: 'http' } },
        },
      ],
    },
  });
}

const fields = (pod: Pod) => validatePod(pod).map((e) => e.field);
type Mutator = (p: Pod) => void;
const spec = (p: Pod) => p.spec!;
const c0 = (p: Pod) => p.spec!.containers[0]!;

describe('validatePod', () => {
  it('accepts a valid defaulted pod', () => {
    expect(validatePod(validPod())).toEqual([]);
  });

  it('reports every fault of a broken pod at once', () => {
    const pod = validPod();
    pod.metadata!.name = 'Bad_Name';
    pod.metadata!.labels = { 'bad key!': 'v' };
    spec(pod).restartPolicy = 'Sometimes';
    spec(pod).volumes!.push({ name: 'data', hostPath: { path: '/x' } });
    const c = c0(pod);
    c.image = '';
    c.ports = [{ containerPort: 70000, protocol: 'TCP' }];
    c.volumeMounts = [{ name: 'missing', mountPath: '' }];
    spec(pod).containers.push({ ...structuredClone(c), name: 'web', image: 'x' });
    expect(new Set(fields(pod))).toEqual(
      new Set([
        'metadata.name',
        'metadata.labels',
        'spec.restartPolicy',
        'spec.volumes[1].name',
        'spec.containers[0].image',
        'spec.containers[0].ports[0].containerPort',
        'spec.containers[0].volumeMounts[0].name',
        'spec.containers[0].volumeMounts[0].mountPath',
        'spec.containers[1].name',
        'spec.containers[1].ports[0].containerPort',
        'spec.containers[1].volumeMounts[0].name',
        'spec.containers[1].volumeMounts[0].mountPath',
      ]),
    );
  });

  it('words messages as upstream does', () => {
    const pod = validPod();
    spec(pod).restartPolicy = 'Sometimes';
    c0(pod).name = 'Foo_Bar';
    const byField = Object.fromEntries(validatePod(pod).map((e) => [e.field, e.message]));
    expect(byField['spec.restartPolicy']).toBe(
      'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    );
    expect(byField['spec.containers[0].name']).toMatch(
      /^Invalid value: "Foo_Bar": a lowercase RFC 1123 label must consist of lower case alphanumeric characters/,
    );
  });

  // [rule, passing change, failing change, field reported, error type]
  const rows: [string, Mutator, Mutator, string, string][] = [
    ['container name DNS label', (p) => (c0(p).name = 'web-2'), (p) => (c0(p).name = 'Web'), 'spec.containers[0].name', 'FieldValueInvalid'],
    [
      'container names unique across init and regular',
      (p) => (spec(p).initContainers = [{ ...structuredClone(c0(p)), name: 'init', livenessProbe: undefined }]),
      (p) => (spec(p).initContainers = [{ ...structuredClone(c0(p)), livenessProbe: undefined }]),
      'spec.containers[0].name',
      'FieldValueDuplicate',
    ],
    ['image required', (p) => (c0(p).image = 'nginx'), (p) => (c0(p).image = ''), 'spec.containers[0].image', 'FieldValueRequired'],
    ['containers required', () => {}, (p) => (spec(p).containers = []), 'spec.containers', 'FieldValueRequired'],
    ['containerPort range', (p) => (c0(p).ports![0]!.containerPort = 65535), (p) => (c0(p).ports![0]!.containerPort = 65536), 'spec.containers[0].ports[0].containerPort', 'FieldValueInvalid'],
    ['hostPort range', (p) => (c0(p).ports![0]!.hostPort = 80), (p) => (c0(p).ports![0]!.hostPort = -1), 'spec.containers[0].ports[0].hostPort', 'FieldValueInvalid'],
    ['port name IANA_SVC_NAME', (p) => (c0(p).ports![0]!.name = 'web-http'), (p) => (c0(p).ports![0]!.name = 'http_1'), 'spec.containers[0].ports[0].name', 'FieldValueInvalid'],
    [
      'port names unique',
      (p) => c0(p).ports!.push({ name: 'metrics', containerPort: 9090, protocol: 'TCP' }),
      (p) => c0(p).ports!.push({ name: 'http', containerPort: 9090, protocol: 'TCP' }),
      'spec.containers[0].ports[1].name',
      'FieldValueDuplicate',
    ],
    ['port protocol', (p) => (c0(p).ports![0]!.protocol = 'SCTP'), (p) => (c0(p).ports![0]!.protocol = 'ICMP'), 'spec.containers[0].ports[0].protocol', 'FieldValueNotSupported'],
    ['env name', (p) => (c0(p).env![0]!.name = 'MY_VAR.1'), (p) => (c0(p).env![0]!.name = 'A=B'), 'spec.containers[0].env[0].name', 'FieldValueInvalid'],
    ['env name required', () => {}, (p) => (c0(p).env![0]!.name = ''), 'spec.containers[0].env[0].name', 'FieldValueRequired'],
    [
      'env valueFrom exactly one source',
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]),
      (p) => (c0(p).env = [{ name: 'N', valueFrom: {} }]),
      'spec.containers[0].env[0].valueFrom',
      'FieldValueInvalid',
    ],
    [
      'env fieldRef fieldPath supported',
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }]),
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }]),
      'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath',
      'FieldValueNotSupported',
    ],
    [
      'env resourceFieldRef resource supported',
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } }]),
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }]),
      'spec.containers[0].env[0].valueFrom.resourceFieldRef.resource',
      'FieldValueNotSupported',
    ],
    [
      'env resourceFieldRef cpu divisor 1 or 1m',
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { containerName: 'web', resource: 'requests.cpu', divisor: '1m' } } }]),
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '10m' } } }]),
      'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor',
      'FieldValueInvalid',
    ],
    [
      'env resourceFieldRef memory divisor one unit',
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Gi' } } }]),
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '2Mi' } } }]),
      'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor',
      'FieldValueInvalid',
    ],
    [
      'env resourceFieldRef divisor parses',
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } }]),
      (p) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: 'one' } } }]),
      'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor',
      'FieldValueInvalid',
    ],
    [
      'restartPolicy Always only on init containers (sidecars)',
      (p) => (spec(p).initContainers = [{ ...structuredClone(c0(p)), name: 'sidecar', restartPolicy: 'Always' }]),
      (p) => (c0(p).restartPolicy = 'Always'),
      'spec.containers[0].restartPolicy',
      'FieldValueForbidden',
    ],
    [
      'init container restartPolicy is Always or unset',
      (p) => (spec(p).initContainers = [{ ...structuredClone(c0(p)), name: 'init', livenessProbe: undefined }]),
      (p) => (spec(p).initContainers = [{ ...structuredClone(c0(p)), name: 'init', restartPolicy: 'OnFailure' }]),
      'spec.initContainers[0].restartPolicy',
      'FieldValueNotSupported',
    ],
    [
      'probes only on sidecar init containers',
      (p) => (spec(p).initContainers = [{ ...structuredClone(c0(p)), name: 'sidecar', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 8080 } } }]),
      (p) => (spec(p).initContainers = [{ ...structuredClone(c0(p)), name: 'init' }]),
      'spec.initContainers[0].livenessProbe',
      'FieldValueForbidden',
    ],
    ['volume name DNS label', (p) => (spec(p).volumes!.push({ name: 'cache', emptyDir: {} })), (p) => spec(p).volumes!.push({ name: 'Cache', emptyDir: {} }), 'spec.volumes[1].name', 'FieldValueInvalid'],
    ['volume names unique', (p) => spec(p).volumes!.push({ name: 'd2', emptyDir: {} }), (p) => spec(p).volumes!.push({ name: 'data', emptyDir: {} }), 'spec.volumes[1].name', 'FieldValueDuplicate'],
    ['exactly one volume source', (p) => (spec(p).volumes![0] = { name: 'data', hostPath: { path: '/tmp', type: '' } }), (p) => (spec(p).volumes![0]!.hostPath = { path: '/tmp' }), 'spec.volumes[0].hostPath', 'FieldValueForbidden'],
    ['a volume source is required', () => {}, (p) => delete spec(p).volumes![0]!.emptyDir, 'spec.volumes[0]', 'FieldValueRequired'],
    ['hostPath type', (p) => (spec(p).volumes![0] = { name: 'data', hostPath: { path: '/tmp', type: 'Directory' } }), (p) => (spec(p).volumes![0] = { name: 'data', hostPath: { path: '/tmp', type: 'Folder' } }), 'spec.volumes[0].hostPath.type', 'FieldValueNotSupported'],
    ['volumeMount refers to a volume', () => {}, (p) => (c0(p).volumeMounts![0]!.name = 'other'), 'spec.containers[0].volumeMounts[0].name', 'FieldValueNotFound'],
    ['mountPath required', () => {}, (p) => (c0(p).volumeMounts![0]!.mountPath = ''), 'spec.containers[0].volumeMounts[0].mountPath', 'FieldValueRequired'],
    ['restartPolicy', (p) => (spec(p).restartPolicy = 'OnFailure'), (p) => (spec(p).restartPolicy = 'Sometimes'), 'spec.restartPolicy', 'FieldValueNotSupported'],
    ['dnsPolicy', (p) => (spec(p).dnsPolicy = 'Default'), (p) => (spec(p).dnsPolicy = 'Google'), 'spec.dnsPolicy', 'FieldValueNotSupported'],
    ['imagePullPolicy', (p) => (c0(p).imagePullPolicy = 'Never'), (p) => (c0(p).imagePullPolicy = 'Sometimes'), 'spec.containers[0].imagePullPolicy', 'FieldValueNotSupported'],
    ['resource quantities parse', (p) => (c0(p).resources!.limits!.memory = '1Gi'), (p) => (c0(p).resources!.limits!.memory = 'lots'), 'spec.containers[0].resources.limits[memory]', 'FieldValueInvalid'],
    ['requests not above limits', (p) => (c0(p).resources!.requests!.cpu = '0.5'), (p) => (c0(p).resources!.requests!.cpu = '1'), 'spec.containers[0].resources.requests', 'FieldValueInvalid'],
    ['terminationGracePeriodSeconds non-negative', (p) => (spec(p).terminationGracePeriodSeconds = 0), (p) => (spec(p).terminationGracePeriodSeconds = -1), 'spec.terminationGracePeriodSeconds', 'FieldValueInvalid'],
    ['probe needs a handler', (p) => (c0(p).livenessProbe = { exec: { command: ['true'] } }), (p) => (c0(p).livenessProbe = { periodSeconds: 10 }), 'spec.containers[0].livenessProbe', 'FieldValueRequired'],
    ['probe has only one handler', () => {}, (p) => (c0(p).livenessProbe!.tcpSocket = { port: 80 }), 'spec.containers[0].livenessProbe.tcpSocket', 'FieldValueForbidden'],
    ['probe port', (p) => (c0(p).livenessProbe!.httpGet!.port = 8080), (p) => (c0(p).livenessProbe!.httpGet!.port = 0), 'spec.containers[0].livenessProbe.httpGet.port', 'FieldValueInvalid'],
    ['nodeSelector labels', (p) => (spec(p).nodeSelector = { 'kubernetes.io/os': 'linux' }), (p) => (spec(p).nodeSelector = { disk: 'very fast' }), 'spec.nodeSelector', 'FieldValueInvalid'],
    ['toleration operator', (p) => (spec(p).tolerations = [{ key: 'k', operator: 'Exists' }]), (p) => (spec(p).tolerations = [{ key: 'k', operator: 'Maybe' }]), 'spec.tolerations[0].operator', 'FieldValueNotSupported'],
    ['toleration effect', (p) => (spec(p).tolerations = [{ key: 'k', value: 'v', effect: 'NoExecute', tolerationSeconds: 5 }]), (p) => (spec(p).tolerations = [{ key: 'k', effect: 'NoRun' }]), 'spec.tolerations[0].effect', 'FieldValueNotSupported'],
    ['toleration with empty key must be Exists', (p) => (spec(p).tolerations = [{ operator: 'Exists' }]), (p) => (spec(p).tolerations = [{ operator: 'Equal' }]), 'spec.tolerations[0].operator', 'FieldValueInvalid'],
    ['namespace required', () => {}, (p) => delete p.metadata!.namespace, 'metadata.namespace', 'FieldValueRequired'],
  ];

  it.each([
    ['spec.containers[0].restartPolicy', (p: Pod) => (c0(p).restartPolicy = 'Always'), 'Forbidden: may not be set for non-init containers'],
    [
      'spec.initContainers[0].restartPolicy',
      (p: Pod) => (spec(p).initContainers = [{ ...structuredClone(c0(p)), name: 'init', livenessProbe: undefined, restartPolicy: 'Never' }]),
      'Unsupported value: "Never": supported values: "Always"',
    ],
    [
      'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor',
      (p: Pod) => (c0(p).env = [{ name: 'N', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '2' } } }]),
      `Invalid value: "limits.cpu": only divisor's values 1m and 1 are supported with the cpu resource`,
    ],
  ])('%s: the upstream message', (path, change, message) => {
    const pod = validPod();
    change(pod);
    expect(validatePod(pod).find((e) => e.field === path)?.message).toBe(message);
  });

  it.each(rows)('%s: passing change is valid', (_rule, pass) => {
    const pod = validPod();
    pass(pod);
    expect(validatePod(pod)).toEqual([]);
  });

  it.each(rows)('%s: failing change is reported', (_rule, _pass, fail, path, type) => {
    const pod = validPod();
    fail(pod);
    expect(validatePod(pod)).toContainEqual(expect.objectContaining({ field: path, type }));
  });
});

describe('validatePodUpdate', () => {
  const withRV = () => {
    const p = validPod();
    p.metadata!.resourceVersion = '5';
    p.metadata!.uid = 'u1';
    return p;
  };
  const rows: [string, Mutator, string | undefined][] = [
    ['image change', (p) => (c0(p).image = 'tskube/busybox:2'), undefined],
    ['adding a toleration', (p) => (spec(p).tolerations = [{ key: 'k', operator: 'Exists' }]), undefined],
    ['setting activeDeadlineSeconds', (p) => (spec(p).activeDeadlineSeconds = 30), undefined],
    ['changing a container port', (p) => (c0(p).ports![0]!.containerPort = 9090), 'spec'],
    ['adding a container', (p) => spec(p).containers.push({ ...structuredClone(c0(p)), name: 'two' }), 'spec.containers'],
    ['renaming', (p) => (p.metadata!.name = 'web-1'), 'metadata.name'],
    ['changing uid', (p) => (p.metadata!.uid = 'u2'), 'metadata.uid'],
  ];
  it.each(rows)('%s', (_name, change, path) => {
    const old = withRV();
    const next = structuredClone(old);
    change(next);
    const errs = validatePodUpdate(next, old);
    if (path === undefined) expect(errs).toEqual([]);
    else expect(errs.map((e) => e.field)).toContain(path);
  });

  it('forbids raising activeDeadlineSeconds and removing a toleration', () => {
    const old = withRV();
    spec(old).activeDeadlineSeconds = 30;
    spec(old).tolerations = [{ key: 'k', operator: 'Exists' }];
    const next = structuredClone(old);
    spec(next).activeDeadlineSeconds = 60;
    spec(next).tolerations = [];
    expect(validatePodUpdate(next, old).map((e) => e.field)).toEqual(
      expect.arrayContaining(['spec.activeDeadlineSeconds', 'spec.tolerations']),
    );
  });
});

describe('validatePodStatusUpdate', () => {
  const old = () => {
    const p = validPod();
    p.metadata!.resourceVersion = '1';
    spec(p).restartPolicy = 'Never';
    p.status = {
      phase: 'Running',
      containerStatuses: [
        { name: 'web', ready: false, restartCount: 0, image: 'x', imageID: '', state: { terminated: { exitCode: 1 } } },
      ],
    };
    return p;
  };
  const rows: [string, Mutator, string | undefined][] = [
    ['a valid pod IP', (p) => Object.assign(p.status!, { podIP: '10.1.0.4', podIPs: [{ ip: '10.1.0.4' }] }), undefined],
    ['a bad pod IP', (p) => Object.assign(p.status!, { podIPs: [{ ip: '10.1.0.400' }] }), 'status.podIPs[0].ip'],
    ['an unknown phase', (p) => (p.status!.phase = 'Sleeping'), 'status.phase'],
    ['restarting a finished container under Never', (p) => (p.status!.containerStatuses![0]!.state = { running: {} }), 'status.containerStatuses[0].state'],
  ];
  it.each(rows)('%s', (_name, change, path) => {
    const prev = old();
    const next = structuredClone(prev);
    change(next);
    const errs = validatePodStatusUpdate(next, prev);
    if (path === undefined) expect(errs).toEqual([]);
    else expect(errs.map((e) => e.field)).toContain(path);
  });
});
