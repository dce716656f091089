import { describe, expect, it } from 'vitest';
import type { Container, ResourceFieldSelector, Service } from '@tskube/api-types';
import { testPod } from '../testing/fake-api.js';
import { containerEnv, expandVars, resourceFieldRefValue, serviceEnv } from './env.js';

const svc = (name: string, namespace: string, clusterIP: string, ports: { port: number; name?: string; protocol?: string }[]): Service =>
  ({ metadata: { name, namespace }, spec: { clusterIP, ports } }) as Service;

const ctx = { nodeName: 'node-1', hostIP: '127.0.0.1', podIP: '172.17.0.9' };

describe('serviceEnv', () => {
  it('gives the seed-era and docker-links variables', () => {
    const env = Object.fromEntries(serviceEnv(svc('redis-master', 'default', '10.0.0.11', [{ port: 6379, name: 'redis' }])).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      REDIS_MASTER_SERVICE_HOST: '10.0.0.11',
      REDIS_MASTER_SERVICE_PORT: '6379',
      REDIS_MASTER_SERVICE_PORT_REDIS: '6379',
      REDIS_MASTER_PORT: 'tcp://10.0.0.11:6379',
      REDIS_MASTER_PORT_6379_TCP: 'tcp://10.0.0.11:6379',
      REDIS_MASTER_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_MASTER_PORT_6379_TCP_PORT: '6379',
      REDIS_MASTER_PORT_6379_TCP_ADDR: '10.0.0.11',
    });
  });
});

describe('containerEnv', () => {
  const services = [
    svc('kubernetes', 'default', '10.0.0.1', [{ port: 443, name: 'https' }]),
    svc('web', 'shop', '10.0.0.20', [{ port: 80 }]),
    svc('db', 'other', '10.0.0.30', [{ port: 5432 }]),
    svc('headless', 'shop', 'None', [{ port: 80 }]),
  ];
  const pod = testPod('p', {}, { namespace: 'shop' });
  const container = {
    name: 'app',
    image: 'i',
    env: [
      { name: 'PLAIN', value: 'x' },
      { name: 'REF', value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT) $(MISSING) $$(WEB_SERVICE_HOST)' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ],
  };

  it('puts services of the namespace and the master service first, then explicit values', () => {
    const env = containerEnv(pod, container, services, ctx);
    const map = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(map).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      WEB_SERVICE_HOST: '10.0.0.20',
      PLAIN: 'x',
      REF: 'http://10.0.0.20:80 $(MISSING) $(WEB_SERVICE_HOST)',
      POD_NAME: 'p',
      POD_NS: 'shop',
      POD_UID: pod.metadata!.uid,
      POD_IP: '172.17.0.9',
      HOST_IP: '127.0.0.1',
      NODE: 'node-1',
    });
    expect(map['DB_SERVICE_HOST']).toBeUndefined();
    expect(map['HEADLESS_SERVICE_HOST']).toBeUndefined();
    expect(env.at(-1)!.name).toBe('NODE');
  });

  it('enableServiceLinks=false keeps only the master service', () => {
    const names = containerEnv({ ...pod, spec: { ...pod.spec!, enableServiceLinks: false } }, { name: 'a', image: 'i' }, services, ctx).map((e) => e.name);
    expect(names).toContain('KUBERNETES_SERVICE_HOST');
    expect(names).not.toContain('WEB_SERVICE_HOST');
  });

  it.each([
    ['$(A)-$(B)', 'a-$(B)'],
    ['$$(A)', '$(A)'],
    ['no refs', 'no refs'],
  ])('expandVars(%s) = %s', (input, want) => expect(expandVars(input, new Map([['A', 'a']]))).toBe(want));
});

describe('resourceFieldRef', () => {
  const allocatable = { cpu: '2', memory: '4Gi', pods: '110' };
  const limited: Container = {
    name: 'app',
    image: 'i',
    resources: { limits: { cpu: '500m', memory: '64Mi', 'ephemeral-storage': '1G' }, requests: { cpu: '250m', memory: '32Mi' } },
  };
  const unlimited: Container = { name: 'free', image: 'i', resources: { requests: { cpu: '0.1' } } };
  const zeroLimit: Container = { name: 'zero', image: 'i', resources: { limits: { cpu: '0' } } };
  const pod = testPod('r', { containers: [limited, unlimited, zeroLimit], initContainers: [{ name: 'setup', image: 'i', resources: { limits: { memory: '1Mi' } } }] });

  // [case, container, resource, divisor, want]
  it.each<[string, Container, string, string | number | undefined, string]>([
    ['limits.cpu in cores, rounded up', limited, 'limits.cpu', undefined, '1'],
    ['limits.cpu in millicores', limited, 'limits.cpu', '1m', '500'],
    ['requests.cpu in cores, rounded up', limited, 'requests.cpu', undefined, '1'],
    ['requests.cpu in millicores', limited, 'requests.cpu', '1m', '250'],
    ['limits.memory in bytes', limited, 'limits.memory', undefined, String(64 * 1024 * 1024)],
    ['limits.memory in Mi', limited, 'limits.memory', '1Mi', '64'],
    ['limits.memory in M, rounded up', limited, 'limits.memory', '1M', '68'],
    ['requests.memory in Ki', limited, 'requests.memory', '1Ki', String(32 * 1024)],
    ['limits.ephemeral-storage in Gi, rounded up', limited, 'limits.ephemeral-storage', '1Gi', '1'],
    ['a zero divisor counts as 1', limited, 'limits.memory', '0', String(64 * 1024 * 1024)],
    ['a numeric divisor', limited, 'limits.cpu', 1, '1'],
    ['no cpu limit: the node allocatable', unlimited, 'limits.cpu', '1m', '2000'],
    ['no memory limit: the node allocatable', unlimited, 'limits.memory', '1Mi', '4096'],
    ['a zero limit: the node allocatable', zeroLimit, 'limits.cpu', undefined, '2'],
    ['no memory request: 0', unlimited, 'requests.memory', undefined, '0'],
    ['a fractional request', unlimited, 'requests.cpu', '1m', '100'],
    ['a limit the node does not report either: 0', unlimited, 'limits.ephemeral-storage', undefined, '0'],
  ])('%s', (_name, container, resource, divisor, want) => {
    const ref: ResourceFieldSelector = { resource, ...(divisor === undefined ? {} : { divisor }) };
    expect(resourceFieldRefValue(pod, container, ref, allocatable)).toBe(want);
  });

  it.each<[string, ResourceFieldSelector, string]>([
    ['another app container', { containerName: 'app', resource: 'limits.cpu', divisor: '1m' }, '500'],
    ['an init container', { containerName: 'setup', resource: 'limits.memory', divisor: '1Ki' }, '1024'],
  ])('containerName picks %s', (_name, ref, want) => {
    expect(resourceFieldRefValue(pod, unlimited, ref, allocatable)).toBe(want);
  });

  it.each<[string, ResourceFieldSelector, string]>([
    ['an unknown container', { containerName: 'nope', resource: 'limits.cpu' }, 'container nope not found'],
    ['an unknown resource', { resource: 'limits.gpu' }, 'unsupported container resource : limits.gpu'],
  ])('%s is an error (the container does not start)', (_name, ref, message) => {
    expect(() => resourceFieldRefValue(pod, limited, ref, allocatable)).toThrow(message);
  });

  it('resolves in containerEnv, where $(VAR) references can use it', () => {
    const c: Container = {
      ...limited,
      env: [
        { name: 'CPU_MILLIS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'requests.memory', divisor: '1Mi' } } },
        { name: 'FLAGS', value: '--cpu=$(CPU_MILLIS)m --mem=$(MEM_MI)Mi' },
      ],
    };
    const env = Object.fromEntries(containerEnv(pod, c, [], { ...ctx, allocatable }).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ CPU_MILLIS: '500', MEM_MI: '32', FLAGS: '--cpu=500m --mem=32Mi' });
  });
});
