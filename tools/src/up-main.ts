/**
 * `npm run up`: starts (or reuses) etcd on 127.0.0.1:2379 with its data in .tskube/etcd, makes a
 * dev PKI and an admin token, and runs in this process the apiserver (TLS on 127.0.0.1:6443 with
 * the token, plain HTTP on 127.0.0.1:8080), the scheduler and one kubelet (Docker, or the fake
 * runtime); writes .tskube/kubeconfig for the stock kubectl, and stays in the foreground until
 * Ctrl-C / SIGTERM, then stops what it started in reverse order. Pod containers keep running, as
 * with upstream's kubelet, and so does a dockerd this command had to start.
 *
 * Environment overrides (the e2e test uses them to stay off the developer's state and ports;
 * port 0 = a free port): TSKUBE_STATE_DIR (default .tskube), TSKUBE_ETCD_SERVERS,
 * TSKUBE_ETCD_PREFIX (''), TSKUBE_SECURE_PORT (6443), TSKUBE_INSECURE_PORT (8080),
 * TSKUBE_SCHEDULER_PORT (10259), TSKUBE_KUBELET_PORT (10250), TSKUBE_KUBELET_HEALTHZ_PORT (10248),
 * TSKUBE_NODE_NAME (the hostname), TSKUBE_RUNTIME (docker | fake).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
// The all-in-one `up` hosts the daemons in-process (DESIGN.md §6: every daemon exposes run/start for
// this), so tools may import apps.
import { apiServerFlags, startApiServer } from '@tskube/apiserver';
import { createLogger, parseFlags, runUntilAborted, shutdownSignal, type Cleanup } from '@tskube/component-base';
import { kubeletFlags, startKubelet } from '@tskube/kubelet';
import { schedulerFlags, startScheduler } from '@tskube/scheduler';
import { ensureImages, PAUSE_IMAGE } from '../images/build.js';
import { createDevPki, devApiServerArgs, readTokenFile, writeTokenFile } from './certs.js';
import { ensureDockerd } from './dockerd.js';
import { etcdAnswers, startEtcd } from './etcd.js';
import { writeKubeconfig } from './kubeconfig.js';

const root = resolve(import.meta.dirname, '../..');
const stateDir = resolve(process.env['TSKUBE_STATE_DIR'] ?? join(root, '.tskube'));
// The apiserver reads 0 as "off", so its two ports must be real ones.
const securePort = port('TSKUBE_SECURE_PORT', 6443, 1);
const insecurePort = port('TSKUBE_INSECURE_PORT', 8080, 1);
const schedulerPort = port('TSKUBE_SCHEDULER_PORT', 10259);
const kubeletPort = port('TSKUBE_KUBELET_PORT', 10250);
const kubeletHealthzPort = port('TSKUBE_KUBELET_HEALTHZ_PORT', 10248);
const nodeName = process.env['TSKUBE_NODE_NAME'] || undefined;
const runtime = process.env['TSKUBE_RUNTIME'] || 'docker';
if (runtime !== 'docker' && runtime !== 'fake') throw new Error(`TSKUBE_RUNTIME=${runtime}: expected docker or fake`);
const etcdPrefix = process.env['TSKUBE_ETCD_PREFIX'] ?? '';

const logger = createLogger({ component: 'tskube-up' });
const signal = shutdownSignal({ logger });
// What was started, stopped in reverse order on the way out (or when a later step fails).
const stops: Cleanup[] = [];
const stopAll = () => runUntilAborted(AbortSignal.abort(), stops.splice(0).reverse());

let summary: string[] | undefined;
try {
  summary = await start();
} catch (err) {
  logger.error({ err }, 'tskube did not come up (is another `npm run up` running? the ports can be moved, see tools/src/up-main.ts)');
  await stopAll().catch((e: unknown) => logger.warn({ err: e }, 'error while stopping'));
  process.exitCode = 1;
}
if (summary) {
  process.stdout.write(summary.join('\n'));
  await runUntilAborted(signal);
  try {
    await stopAll();
    logger.info('stopped');
  } catch (err) {
    logger.error({ err }, 'error while stopping');
    process.exitCode = 1;
  }
}

async function start(): Promise<string[]> {
  const wanted = process.env['TSKUBE_ETCD_SERVERS'] ?? 'http://127.0.0.1:2379';
  let endpoint = wanted;
  mkdirSync(stateDir, { recursive: true });
  if (await etcdAnswers(wanted)) {
    logger.info({ endpoint }, 'using the etcd that already answers');
  } else {
    // Nothing answers: start one at that address (loopback only), peer port one above.
    const url = new URL(wanted);
    const clientPort = Number(url.port || 2379);
    if (!['127.0.0.1', 'localhost'].includes(url.hostname)) throw new Error(`TSKUBE_ETCD_SERVERS=${wanted}: no etcd answers, and only a loopback one is started here`);
    const etcd = await startEtcd({ dataDir: join(stateDir, 'etcd'), clientPort, peerPort: clientPort + 1, logFile: join(stateDir, 'etcd.log') });
    endpoint = etcd.endpoint;
    stops.push(etcd.stop);
    logger.info({ endpoint, etcdPid: etcd.pid }, 'started etcd');
  }

  // Reused across runs, so a kubeconfig handed out earlier keeps working.
  const pki = await createDevPki(join(stateDir, 'pki'));
  const tokenFile = join(stateDir, 'tokens.csv');
  const existing = existsSync(tokenFile) ? (await readTokenFile(tokenFile)).find((e) => e.groups?.includes('system:masters')) : undefined;
  const admin = existing ?? (await writeTokenFile(tokenFile))[0]!;

  // The apiserver reaches kubelets (logs, exec) with its own client certificate of the dev CA, and
  // the kubelet serves with its own CA-signed 127.0.0.1 certificate, so each side verifies the other.
  const apiserver = await startApiServer(
    parseFlags(
      apiServerFlags,
      devApiServerArgs({ pki, tokenFile, etcdServers: endpoint, etcdPrefix, securePort, insecurePort }),
      {},
    ),
    { logger: createLogger({ component: 'apiserver' }) },
  );
  stops.push(() => apiserver.stop());
  const secureUrl = apiserver.secureUrl!;
  const insecureUrl = apiserver.insecureUrl!;

  const kubeconfig = join(stateDir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: secureUrl, caFile: pki.caCert, token: admin.token, namespace: 'default' });
  const namespaces = await listNamespaces(insecureUrl);

  const scheduler = await startScheduler(parseFlags(schedulerFlags, [`--master=${insecureUrl}`, `--port=${schedulerPort}`, '--leader-elect=true'], {}), {
    logger: createLogger({ component: 'scheduler' }),
  });
  stops.push(() => scheduler.stop());

  const kubeletArgs = [
    `--master=${insecureUrl}`,
    `--root-dir=${join(stateDir, 'kubelet')}`,
    `--runtime=${runtime}`,
    `--pod-infra-container-image=${PAUSE_IMAGE}`,
    '--address=127.0.0.1',
    `--port=${kubeletPort}`,
    `--healthz-port=${kubeletHealthzPort}`,
    '--node-ip=127.0.0.1',
    `--tls-cert-file=${pki.kubeletServerCert}`,
    `--tls-private-key-file=${pki.kubeletServerKey}`,
    `--client-ca-file=${pki.caCert}`,
    ...(nodeName ? [`--node-name=${nodeName}`] : []),
  ];
  let dockerNote = '';
  if (runtime === 'docker') {
    logger.info('finding or starting dockerd, building the images (first run: a minute)');
    const docker = await ensureDockerd({ logFile: join(stateDir, 'dockerd.log') });
    // A dockerd started here is left running: it holds the pods' containers, which outlive us.
    const started = docker.startedPid ? `, dockerd pid ${docker.startedPid} started here and left running` : '';
    dockerNote = ` (${docker.host}${started})`;
    for (const image of await ensureImages(docker.host)) logger.info(image, 'image');
    kubeletArgs.push(`--docker-endpoint=${docker.host}`);
  }
  const kubelet = await startKubelet(parseFlags(kubeletFlags, kubeletArgs, {}), { logger: createLogger({ component: 'kubelet' }) });
  stops.push(() => kubelet.stop());

  writeFileSync(
    join(stateDir, 'cluster.env'),
    `TSKUBE_ETCD_SERVERS=${endpoint}\nTSKUBE_APISERVER=${secureUrl}\nTSKUBE_INSECURE_APISERVER=${insecureUrl}\nKUBECONFIG=${kubeconfig}\n`,
  );
  const shown = relative(process.cwd(), kubeconfig);
  const kubeconfigRef = shown.startsWith('..') || shown === '' ? kubeconfig : `$PWD/${shown}`;
  return [
    '',
    `tskube is up (state: ${stateDir}):`,
    `  etcd        ${endpoint}${etcdPrefix ? ` (key prefix ${etcdPrefix})` : ''}`,
    `  apiserver   ${secureUrl} (TLS + token or client certificate), ${insecureUrl} (loopback, no auth)`,
    `  namespaces  ${namespaces.join(', ')}`,
    `  scheduler   ${scheduler.url} (/healthz, /metrics; leader election on)`,
    `  kubelet     node ${kubelet.nodeName}, runtime ${runtime}${dockerNote}, API ${kubelet.url} (client certificates of the dev CA)`,
    'Not yet: no controller manager (replication controllers create no pods), no service proxy (portal IPs are not routed).',
    '',
    'Try it with the stock kubectl:',
    '',
    `  export KUBECONFIG=${kubeconfigRef}`,
    '  kubectl get nodes',
    '  kubectl run web --image=tskube/busybox:latest --image-pull-policy=IfNotPresent -- httpd -f -p 8080',
    '  kubectl get pods -o wide -w',
    '  kubectl logs web',
    '  kubectl exec web -- hostname',
    '  kubectl delete pod web     # before stopping: the kubelet leaves containers running, as upstream',
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
}

function port(env: string, fallback: number, min = 0): number {
  const raw = process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > 65535) throw new Error(`${env}=${raw}: not a port (${min}-65535)`);
  return n;
}

async function listNamespaces(base: string): Promise<string[]> {
  const res = await fetch(`${base}/api/v1/namespaces`);
  if (!res.ok) throw new Error(`GET /api/v1/namespaces: ${res.status} ${await res.text()}`);
  const list = (await res.json()) as { items: { metadata: { name: string } }[] };
  return list.items.map((n) => n.metadata.name);
}
