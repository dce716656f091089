import { describe, expect, it } from 'vitest';
import type { Service } from '@tskube/api-types';
import { testPod } from '../testing/fake-api.js';
import { containerEnv, expandVars, serviceEnv } from './env.js';

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
