// Property tests (reliability.md §8.5 B2): objects go through JSON and defaulting the way the
// apiserver decodes them (as upstream's round-trip fuzzers do). For generated minimal pods,
// services and replication controllers: defaulting is idempotent, its result survives a JSON
// round trip unchanged, and it is valid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldError } from '../errors/index.js';
import type { Pod, ReplicationController, Service } from '../types/index.js';
import { validatePod, validateReplicationController, validateService } from '../validation/index.js';
import { applyDefaults } from './index.js';

const RUNS = { seed: 0xdef_a017, numRuns: 150 };

const jsonClone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Drop undefined members, as a JSON body would not carry them. */
const compact = <T extends object>(o: T): T => jsonClone(o);

const name = fc.stringMatching(/^[a-z]([-a-z0-9]{0,8}[a-z0-9])?$/);
const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'example.com/track'), fc.constantFrom('web', 'db', 'v1', ''), {
  minKeys: 1,
  maxKeys: 3,
});
const image = fc.constantFrom(
  'busybox',
  'busybox:1.36',
  'busybox:latest',
  'localhost:5000/app',
  'localhost:5000/app:2',
  `nginx@sha256:${'0123456789abcdef'.repeat(4)}`,
);
const quantity = fc.constantFrom('100m', '250m', '1', '1.5', '64Mi', '1Gi', '2e3');
const resourceList = fc.record({ cpu: quantity, memory: quantity }, { requiredKeys: [] });
/** Limits only, requests only, or both equal: always requests ≤ limits. */
const resources = fc.oneof(
  fc.constant(undefined),
  resourceList.map((limits) => ({ limits })),
  resourceList.map((requests) => ({ requests })),
  resourceList.map((l) => ({ limits: l, requests: { ...l } })),
);
const probe = fc.record(
  {
    httpGet: fc.record({ port: fc.constantFrom<number | string>(8080, 'http'), path: opt(fc.constantFrom('', '/healthz')) }, { requiredKeys: ['port'] }),
    timeoutSeconds: opt(fc.integer({ min: 0, max: 5 })),
    periodSeconds: opt(fc.integer({ min: 0, max: 30 })),
    failureThreshold: opt(fc.integer({ min: 0, max: 5 })),
  },
  { requiredKeys: ['httpGet'] },
);
const env = fc.constantFrom(
  undefined,
  [{ name: 'A', value: 'x' }],
  [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
);

/** Container i gets ports base+1000·i+j so host ports never clash under hostNetwork. */
const container = (i: number, prefix: string, withProbes: boolean, base: number) =>
  fc
    .record({
      image,
      imagePullPolicy: opt(fc.constantFrom('Always', 'IfNotPresent', 'Never')),
      ports: fc.integer({ min: 0, max: 2 }),
      protocol: opt(fc.constantFrom('TCP', 'UDP')),
      resources,
      env,
      livenessProbe: withProbes ? opt(probe) : fc.constant(undefined),
      readinessProbe: withProbes ? opt(probe) : fc.constant(undefined),
    })
    .map(({ ports, protocol, ...c }) =>
      compact({
        name: `${prefix}${i}`,
        ...c,
        ports: ports
          ? Array.from({ length: ports }, (_, j) => ({ containerPort: base + 1000 * i + j, name: j === 0 ? 'http' : undefined, protocol }))
          : undefined,
      }),
    );
const containers = (prefix: string, withProbes: boolean, min: number, base: number) =>
  fc.integer({ min, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => container(i, prefix, withProbes, base))));

const volume = fc.constantFrom(
  {},
  { emptyDir: {} },
  { secret: { secretName: 's' } },
  { configMap: { name: 'c' } },
  { hostPath: { path: '/tmp' } },
  { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
);

const podSpec = (restartPolicies: readonly string[]) =>
  fc
    .record({
      containers: containers('c', true, 1, 1000),
      initContainers: containers('init', false, 0, 20000),
      volumes: fc.array(volume, { maxLength: 3 }),
      restartPolicy: opt(fc.constantFrom(...restartPolicies)),
      dnsPolicy: opt(fc.constantFrom('ClusterFirst', 'Default')),
      terminationGracePeriodSeconds: opt(fc.integer({ min: 0, max: 60 })),
      hostNetwork: opt(fc.boolean()),
      enableServiceLinks: opt(fc.boolean()),
    })
    .map(({ volumes, initContainers, ...spec }) =>
      compact({
        ...spec,
        initContainers: initContainers.length ? initContainers : undefined,
        volumes: volumes.length ? volumes.map((v, i) => ({ name: `v${i}`, ...v })) : undefined,
      }),
    );

const pod: fc.Arbitrary<Pod> = fc
  .record({ name, labels: opt(labels), spec: podSpec(['Always', 'OnFailure', 'Never']) })
  .map(({ name: n, labels: l, spec }) => compact({ metadata: { name: n, namespace: 'default', labels: l }, spec }) as Pod);

const service: fc.Arbitrary<Service> = fc
  .record({
    name,
    selector: opt(labels),
    type: opt(fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer')),
    sessionAffinity: opt(fc.constantFrom('None', 'ClientIP')),
    ports: fc.array(
      fc.record(
        {
          targetPort: fc.constantFrom<number | string | undefined>(undefined, 0, '', 8080, 'http'),
          protocol: opt(fc.constantFrom('TCP', 'UDP')),
        },
        { requiredKeys: [] },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ name: n, ports, ...spec }) =>
    compact({
      metadata: { name: n, namespace: 'default' },
      spec: { ...spec, ports: ports.map((p, i) => ({ name: `p${i}`, port: 80 + i, ...p })) },
    }) as Service,
  );

const replicationController: fc.Arbitrary<ReplicationController> = fc
  .record({
    name,
    templateLabels: labels,
    selectorIsSet: fc.boolean(),
    metaLabels: opt(labels),
    replicas: opt(fc.integer({ min: 0, max: 5 })),
    spec: podSpec(['Always']),
  })
  .map(({ name: n, templateLabels, selectorIsSet, metaLabels, replicas, spec }) =>
    compact({
      metadata: { name: n, namespace: 'default', labels: metaLabels },
      spec: {
        replicas,
        selector: selectorIsSet ? { ...templateLabels } : undefined,
        template: { metadata: { labels: templateLabels }, spec },
      },
    }) as ReplicationController,
  );

const fieldPaths = (errs: FieldError[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);

describe('defaulting after a JSON decode', () => {
  it.each([
    ['Pod', pod, validatePod],
    ['Service', service, validateService],
    ['ReplicationController', replicationController, validateReplicationController],
  ] as const)('%s: idempotent, JSON-stable and valid', (kind, arb, validate) => {
    fc.assert(
      fc.property(arb as fc.Arbitrary<object>, (obj) => {
        const once = applyDefaults(kind, jsonClone(obj));
        const twice = applyDefaults(kind, jsonClone(once));
        expect(twice).toStrictEqual(once);
        expect(jsonClone(once)).toStrictEqual(once);
        expect(fieldPaths((validate as (o: object) => FieldError[])(once))).toEqual([]);
      }),
      RUNS,
    );
  });
});
