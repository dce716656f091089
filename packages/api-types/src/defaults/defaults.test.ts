import { describe, expect, it } from 'vitest';
import type { Container, Pod, Service } from '../types/index.js';
import {
  applyDefaults,
  defaultEndpoints,
  defaultEvent,
  defaultNamespace,
  defaultNamespaceOnCreate,
  defaultNode,
  defaultPod,
  defaultPodStatusOnCreate,
  defaultReplicationController,
  defaultService,
  imageTag,
} from './index.js';

const pod = (c: Partial<Container> = {}, spec: Partial<Pod['spec']> = {}): Pod =>
  defaultPod({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', ...c }], ...spec } });

describe('defaultPod', () => {
  it('fills the pod-level defaults Kubernetes applies', () => {
    expect(pod().spec).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
    });
  });

  it('fills the container defaults', () => {
    expect(pod().spec!.containers[0]).toMatchObject({
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    });
  });

  it('keeps values that are set', () => {
    const p = pod({ imagePullPolicy: 'Never' }, { restartPolicy: 'Never', terminationGracePeriodSeconds: 0 });
    expect(p.spec).toMatchObject({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0 });
    expect(p.spec!.containers[0]!.imagePullPolicy).toBe('Never');
  });

  it.each([
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['localhost:5000/busybox', 'Always'],
    ['localhost:5000/busybox:1.36', 'IfNotPresent'],
    ['busybox:1.36', 'IfNotPresent'],
    ['busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
  ])('image %s pulls %s', (image, policy) => {
    expect(pod({ image }).spec!.containers[0]!.imagePullPolicy).toBe(policy);
  });

  it('defaults init containers as well', () => {
    const p = pod({}, { initContainers: [{ name: 'i', image: 'busybox' }] });
    expect(p.spec!.initContainers![0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePolicy: 'File' });
  });

  it('defaults port protocol to TCP', () => {
    expect(pod({ ports: [{ containerPort: 80 }] }).spec!.containers[0]!.ports![0]!.protocol).toBe('TCP');
  });

  it('copies containerPort to hostPort on the host network', () => {
    const p = pod({ ports: [{ containerPort: 80 }] }, { hostNetwork: true });
    expect(p.spec!.containers[0]!.ports![0]!.hostPort).toBe(80);
  });

  it.each(['livenessProbe', 'readinessProbe', 'startupProbe'] as const)('defaults %s', (probe) => {
    const p = pod({ [probe]: { httpGet: { port: 8080 } } });
    expect(p.spec!.containers[0]![probe]).toEqual({
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });

  it('defaults requests to limits only where a request is missing', () => {
    const p = pod({ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m' } } });
    expect(p.spec!.containers[0]!.resources).toEqual({
      limits: { cpu: '1', memory: '1Gi' },
      requests: { cpu: '250m', memory: '1Gi' },
    });
  });

  it('defaults volumes: hostPath type, projected modes, and no source means emptyDir', () => {
    const p = pod({}, {
      volumes: [
        { name: 'a', hostPath: { path: '/var/log' } },
        { name: 'b' },
        { name: 'c', secret: { secretName: 's' } },
        { name: 'd', emptyDir: { medium: 'Memory' } },
      ],
    });
    expect(p.spec!.volumes).toEqual([
      { name: 'a', hostPath: { path: '/var/log', type: '' } },
      { name: 'b', emptyDir: {} },
      { name: 'c', secret: { secretName: 's', defaultMode: 0o644 } },
      { name: 'd', emptyDir: { medium: 'Memory' } },
    ]);
  });

  it('defaults the env fieldRef apiVersion', () => {
    const p = pod({ env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] });
    expect(p.spec!.containers[0]!.env![0]!.valueFrom!.fieldRef!.apiVersion).toBe('v1');
  });
});

describe('defaultPodStatusOnCreate', () => {
  it.each<[string, Container['resources'], string]>([
    ['no resources', undefined, 'BestEffort'],
    ['requests only', { requests: { cpu: '100m' } }, 'Burstable'],
    ['equal limits and requests', { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } }, 'Guaranteed'],
    ['limits only', { limits: { cpu: '1', memory: '1Gi' } }, 'Guaranteed'],
  ])('sets phase Pending and qosClass for %s', (_name, resources, qos) => {
    const p = defaultPodStatusOnCreate(pod(resources ? { resources } : {}));
    expect(p.status).toEqual({ phase: 'Pending', qosClass: qos });
  });
});

describe('defaultService', () => {
  const svc = (spec: Service['spec']): Service => defaultService({ metadata: { name: 's' }, spec });

  it('fills type, session affinity, protocol, targetPort and internalTrafficPolicy', () => {
    expect(svc({ ports: [{ port: 80 }] }).spec).toEqual({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
  });

  it('keeps a named targetPort', () => {
    expect(svc({ ports: [{ port: 80, targetPort: 'http' }] }).spec!.ports![0]!.targetPort).toBe('http');
  });

  it('adds externalTrafficPolicy for NodePort and the ClientIP timeout', () => {
    const s = svc({ type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] });
    expect(s.spec).toMatchObject({
      externalTrafficPolicy: 'Cluster',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
    });
  });

  it('sets no internalTrafficPolicy on ExternalName services', () => {
    expect(svc({ type: 'ExternalName', externalName: 'db.example.com' }).spec!.internalTrafficPolicy).toBeUndefined();
  });
});

describe('defaultReplicationController', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };

  it('defaults replicas, selector and labels from the template, and the template spec', () => {
    const rc = defaultReplicationController({ metadata: { name: 'rc' }, spec: { template: structuredClone(template) } });
    expect(rc.spec!.replicas).toBe(1);
    expect(rc.spec!.selector).toEqual({ app: 'web' });
    expect(rc.metadata!.labels).toEqual({ app: 'web' });
    expect(rc.spec!.template!.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' });
    expect(rc.spec!.template!.spec!.containers[0]!.imagePullPolicy).toBe('Always');
  });

  it('does not overwrite a selector, labels or replicas that are set', () => {
    const rc = defaultReplicationController({
      metadata: { name: 'rc', labels: { team: 'a' } },
      spec: { replicas: 0, selector: { app: 'web', track: 'canary' }, template: structuredClone(template) },
    });
    expect(rc.spec!.replicas).toBe(0);
    expect(rc.spec!.selector).toEqual({ app: 'web', track: 'canary' });
    expect(rc.metadata!.labels).toEqual({ team: 'a' });
  });

  it('copies the labels rather than sharing the object', () => {
    const rc = defaultReplicationController({ metadata: { name: 'rc' }, spec: { template: structuredClone(template) } });
    rc.spec!.selector!['x'] = 'y';
    expect(rc.spec!.template!.metadata!.labels).toEqual({ app: 'web' });
  });
});

describe('other kinds', () => {
  it('defaultEndpoints sets port protocol TCP', () => {
    const ep = defaultEndpoints({ metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] });
    expect(ep.subsets![0]!.ports![0]!.protocol).toBe('TCP');
  });

  it('defaultNamespace sets phase Active and the metadata.name label', () => {
    const ns = defaultNamespace({ metadata: { name: 'team-a' } });
    expect(ns.status!.phase).toBe('Active');
    expect(ns.metadata!.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(ns.spec?.finalizers).toBeUndefined();
  });

  it('defaultNamespaceOnCreate adds the kubernetes finalizer once', () => {
    const ns = defaultNamespaceOnCreate({ metadata: { name: 'a' }, spec: { finalizers: ['kubernetes'] } });
    expect(ns.spec!.finalizers).toEqual(['kubernetes']);
    expect(defaultNamespaceOnCreate({ metadata: { name: 'b' } }).spec!.finalizers).toEqual(['kubernetes']);
  });

  it('defaultNode makes capacity allocatable when allocatable is missing', () => {
    const n = defaultNode({ metadata: { name: 'n' }, status: { capacity: { cpu: '2', pods: '110' } } });
    expect(n.status!.allocatable).toEqual({ cpu: '2', pods: '110' });
  });

  it('defaultEvent leaves an event as written (core/v1 has no event defaults)', () => {
    const ev = { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p' } };
    expect(defaultEvent(structuredClone(ev))).toEqual(ev);
  });

  it('applyDefaults dispatches by kind and ignores kinds without defaults', () => {
    expect(applyDefaults('Service', { spec: {} } as Service).spec!.type).toBe('ClusterIP');
    expect(applyDefaults('Binding', { target: { name: 'n' } })).toEqual({ target: { name: 'n' } });
  });

  it.each([
    ['busybox', 'latest'],
    ['reg:5000/a/b:v2', 'v2'],
    ['a@sha256:abc', ''],
  ])('imageTag(%s) = %s', (image, tag) => expect(imageTag(image)).toBe(tag));
});
