/**
 * `npm run up`: starts (or reuses) etcd on 127.0.0.1:2379 with its data in .tskube/etcd,
 * bootstraps the registries (the default and kube-system namespaces), and stays in the
 * foreground until Ctrl-C / SIGTERM, then stops what it started. Later issues add the daemons.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger, shutdownSignal } from '@tskube/component-base';
import { createEtcdStorage, createRegistries } from '@tskube/registry';
import { etcdAnswers, startEtcd } from './etcd.js';

const root = resolve(import.meta.dirname, '../..');
const stateDir = resolve(root, '.tskube');
const logger = createLogger({ component: 'tskube-up' });
const signal = shutdownSignal({ logger });

const wanted = process.env.TSKUBE_ETCD_SERVERS ?? 'http://127.0.0.1:2379';
let stopEtcd: (() => Promise<void>) | undefined;
let endpoint = wanted;
mkdirSync(stateDir, { recursive: true });
if (await etcdAnswers(wanted)) {
  logger.info({ endpoint }, 'using the etcd that already answers');
} else {
  const etcd = await startEtcd({
    dataDir: resolve(stateDir, 'etcd'),
    clientPort: 2379,
    peerPort: 2380,
    logFile: resolve(stateDir, 'etcd.log'),
  });
  endpoint = etcd.endpoint;
  stopEtcd = etcd.stop;
  logger.info({ endpoint, etcdPid: etcd.pid }, 'started etcd');
}

const storage = createEtcdStorage({ endpoints: [endpoint] });
const registries = createRegistries({ storage, logger });
await registries.ready();
const namespaces = await registries.namespaces.list(undefined, {});
writeFileSync(resolve(stateDir, 'cluster.env'), `TSKUBE_ETCD_SERVERS=${endpoint}\n`);

process.stdout.write(
  [
    '',
    `tskube is up: etcd at ${endpoint} (data in .tskube/etcd), registries bootstrapped.`,
    `namespaces: ${namespaces.items.map((n) => n.metadata.name).join(', ')}`,
    'The apiserver, scheduler, controller manager, kubelet and proxy join this command as they are built;',
    'until the apiserver exists, the stock kubectl has nothing to talk to yet.',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);

await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
registries.stop();
await storage.close();
await stopEtcd?.();
logger.info('stopped');
