/**
 * Registry write benchmark: pod creates/s through the registry (defaults, validation, encode,
 * conditional create in etcd) beside the raw etcd3 conditional put of values of the same size,
 * at concurrency 1, 16 and 64, in the same run against the same etcd. Prints both rates and the
 * ratio registry/raw. Not a test: nothing is asserted.
 *
 *   npm run bench:registry                       # starts a throwaway etcd on loopback
 *   TSKUBE_BENCH_ETCD=http://127.0.0.1:2379 npm run bench:registry -- --ops 3000 --reps 3
 */
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import { silentLogger } from '@tskube/component-base';
import { createEtcdStorage, createRegistries, type StoredPod } from '@tskube/registry';
import { startEtcd } from '../../src/index.js';
import { benchPod, compareCreates, machineLine, markdownTable } from '../harness.js';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '2000' },
    reps: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,16,64' },
  },
});
const opsPerRun = Number(values.ops);
const reps = Number(values.reps);
const levels = values.concurrency.split(',').map(Number);

const samplePod = (name: string): StoredPod => benchPod(name) as StoredPod;

const external = process.env.TSKUBE_BENCH_ETCD;
const etcd = external ? undefined : await startEtcd({});
const endpoint = external ?? etcd!.endpoint;
const raw = new Etcd3({ hosts: endpoint });
const storage = createEtcdStorage({ endpoints: [endpoint] });
const registries = createRegistries({ storage, logger: silentLogger(), cache: false });

try {
  await registries.ready();
  await registries.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  // The raw baseline writes exactly the bytes the registry stores for one of these pods.
  const stored = await storage.list('/registry/pods/bench/', { limit: 1 });
  let sampleValue = stored.items[0]?.value;
  if (!sampleValue) {
    await registries.pods.create('bench', samplePod('size-probe'));
    sampleValue = (await storage.get('/registry/pods/bench/size-probe'))!.value;
  }
  console.log(`# registry bench: ${machineLine({ etcd: endpoint, valueBytes: String(sampleValue.length) })}`);

  const rows = (
    await compareCreates({
      levels,
      reps,
      ops: opsPerRun,
      rawPut: (key) => raw.if(key, 'Create', '==', 0).then(raw.put(key).value(sampleValue)).commit(),
      create: (name) => registries.pods.create('bench', samplePod(name)),
      onLevel: ({ concurrency, raw: r, subject: s }) =>
        console.log(`concurrency ${concurrency}: raw ${r.perSecond.toFixed(0)}/s registry ${s.perSecond.toFixed(0)}/s ratio ${(s.perSecond / r.perSecond).toFixed(2)}`),
    })
  ).map(({ concurrency, raw: r, subject: s }) => [
    concurrency,
    r.perSecond.toFixed(0),
    s.perSecond.toFixed(0),
    (s.perSecond / r.perSecond).toFixed(2),
    s.p50Ms.toFixed(2),
    s.p99Ms.toFixed(2),
  ]);
  console.log();
  console.log(
    markdownTable(
      ['concurrency', 'raw etcd3 txn-put/s', 'registry pod creates/s', 'ratio', 'registry p50 ms', 'registry p99 ms'],
      rows,
    ),
  );
  console.log(`\n(${reps} repetitions of ${opsPerRun} ops per cell, the median run shown)`);
} finally {
  registries.stop();
  await storage.close();
  raw.close();
  await etcd?.stop();
}
