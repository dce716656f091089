/**
 * `npm run up`: starts (or reuses) etcd on 127.0.0.1:2379 with its data in .tskube/etcd, makes a
 * dev PKI and an admin token, runs the apiserver in this process (TLS on 127.0.0.1:6443 with the
 * token, plain HTTP on 127.0.0.1:8080), writes .tskube/kubeconfig for the stock kubectl, and
 * stays in the foreground until Ctrl-C / SIGTERM, then stops what it started.
 *
 * Environment overrides (the e2e test uses them to stay off the developer's state and ports):
 * TSKUBE_STATE_DIR (default .tskube), TSKUBE_ETCD_SERVERS, TSKUBE_SECURE_PORT (6443),
 * TSKUBE_INSECURE_PORT (8080).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
// The all-in-one `up` hosts the daemons in-process (DESIGN.md §6: every daemon exposes run/start for
// this), so tools may import apps.
import { apiServerFlags, startApiServer, type RunningApiServer } from '@tskube/apiserver';
import { createLogger, parseFlags, shutdownSignal } from '@tskube/component-base';
import { createDevPki, readTokenFile, writeTokenFile } from './certs.js';
import { etcdAnswers, startEtcd } from './etcd.js';
import { writeKubeconfig } from './kubeconfig.js';

const root = resolve(import.meta.dirname, '../..');
const stateDir = resolve(process.env['TSKUBE_STATE_DIR'] ?? join(root, '.tskube'));
const securePort = port('TSKUBE_SECURE_PORT', 6443);
const insecurePort = port('TSKUBE_INSECURE_PORT', 8080);
const logger = createLogger({ component: 'tskube-up' });
const signal = shutdownSignal({ logger });

const wanted = process.env['TSKUBE_ETCD_SERVERS'] ?? 'http://127.0.0.1:2379';
let stopEtcd: (() => Promise<void>) | undefined;
let endpoint = wanted;
mkdirSync(stateDir, { recursive: true });
if (await etcdAnswers(wanted)) {
  logger.info({ endpoint }, 'using the etcd that already answers');
} else {
  const etcd = await startEtcd({
    dataDir: join(stateDir, 'etcd'),
    clientPort: 2379,
    peerPort: 2380,
    logFile: join(stateDir, 'etcd.log'),
  });
  endpoint = etcd.endpoint;
  stopEtcd = etcd.stop;
  logger.info({ endpoint, etcdPid: etcd.pid }, 'started etcd');
}

// Reused across runs, so a kubeconfig handed out earlier keeps working.
const pki = await createDevPki(join(stateDir, 'pki'));
const tokenFile = join(stateDir, 'tokens.csv');
const existing = existsSync(tokenFile) ? (await readTokenFile(tokenFile)).find((e) => e.groups?.includes('system:masters')) : undefined;
const admin = existing ?? (await writeTokenFile(tokenFile))[0]!;

let apiserver: RunningApiServer;
try {
  const config = parseFlags(apiServerFlags, [
    `--etcd-servers=${endpoint}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${securePort}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${tokenFile}`,
    `--insecure-port=${insecurePort}`,
  ]);
  apiserver = await startApiServer(config, { logger: logger.child({ component: 'apiserver' }) });
} catch (err) {
  logger.error({ err }, 'the apiserver did not start (is another `npm run up` running? ports can be changed with TSKUBE_SECURE_PORT / TSKUBE_INSECURE_PORT)');
  await stopEtcd?.();
  process.exitCode = 1;
  throw err;
}

const kubeconfig = join(stateDir, 'kubeconfig');
const server = `https://127.0.0.1:${securePort}`;
await writeKubeconfig(kubeconfig, { server, caFile: pki.caCert, token: admin.token, namespace: 'default' });
writeFileSync(
  join(stateDir, 'cluster.env'),
  `TSKUBE_ETCD_SERVERS=${endpoint}\nTSKUBE_APISERVER=${server}\nTSKUBE_INSECURE_APISERVER=http://127.0.0.1:${insecurePort}\nKUBECONFIG=${kubeconfig}\n`,
);
const namespaces = await listNamespaces(`http://127.0.0.1:${insecurePort}`);
const shown = relative(process.cwd(), kubeconfig);
const kubeconfigRef = shown.startsWith('..') || shown === '' ? kubeconfig : `$PWD/${shown}`;

process.stdout.write(
  [
    '',
    `tskube is up: etcd at ${endpoint}, apiserver at ${server} (TLS + token) and http://127.0.0.1:${insecurePort} (loopback, no auth).`,
    `namespaces: ${namespaces.join(', ')}`,
    `state: ${stateDir} (etcd data, pki/, tokens.csv, kubeconfig)`,
    'The scheduler, controller manager, kubelet and proxy join this command as they are built.',
    'Use the stock kubectl:',
    '',
    `  export KUBECONFIG=${kubeconfigRef}; kubectl get ns`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);

await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
await apiserver.stop();
await stopEtcd?.();
logger.info('stopped');

function port(env: string, fallback: number): number {
  const raw = process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${env}=${raw}: not a port`);
  return n;
}

async function listNamespaces(base: string): Promise<string[]> {
  const res = await fetch(`${base}/api/v1/namespaces`);
  if (!res.ok) throw new Error(`GET /api/v1/namespaces: ${res.status} ${await res.text()}`);
  const list = (await res.json()) as { items: { metadata: { name: string } }[] };
  return list.items.map((n) => n.metadata.name);
}
