/**
 * An in-process node for the kubelet e2e tests: the shared test etcd, an apiserver (insecure
 * loopback port only) and a kubelet on our own dockerd (or the fake runtime), plus a stock
 * kubectl pointed at the apiserver with a private HOME.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Container, Pod } from '@tskube/api-types';
import { apiServerFlags, startApiServer, type RunningApiServer } from '@tskube/apiserver';
import { configFromMaster, createClient, type Client } from '@tskube/client';
import { parseFlags, silentLogger, createLogger, type Logger } from '@tskube/component-base';
import { kubeletFlags, startKubelet, type RunningKubelet } from '@tskube/kubelet';
import { BUSYBOX_IMAGE, createDevPki, freePort, randomToken, type DevPki } from '@tskube/tools';

export const KUBECTL = process.env['TSKUBE_KUBECTL'] ?? '/usr/bin/kubectl';

export const testLogger = (): Logger => (process.env['TSKUBE_TEST_LOG'] ? createLogger({ component: 'e2e', level: 'debug' }) : silentLogger());

export interface Cluster {
  api: RunningApiServer;
  /** The dev PKI: the kubelets trust its CA; its admin certificate is what the apiserver presents. */
  pki: DevPki;
  url: string;
  client: Client;
  dir: string;
  kubectl(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string; code: number | null }>;
  /** A long-running kubectl (extra environment optional); its output so far, stop (SIGTERM by PID) and its exit. */
  kubectlStream(args: string[], extraEnv?: Record<string, string>): { output(): string; stop(): void; exited: Promise<number | null> };
  startKubelet(nodeName: string, extra?: string[], rootDir?: string): Promise<RunningKubelet>;
  dispose(): Promise<void>;
}

export async function startCluster(etcdEndpoint: string): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tskube-e2e-kubelet-'));
  const port = await freePort();
  // The kubelet API admits only clients with a certificate from this CA; the apiserver presents one.
  const pki = await createDevPki(join(dir, 'pki'));
  const config = parseFlags(
    apiServerFlags,
    [
      `--etcd-servers=${etcdEndpoint}`,
      `--etcd-prefix=/kubelet-e2e-${randomToken().slice(0, 10)}`,
      '--secure-port=0',
      `--insecure-port=${port}`,
      `--kubelet-client-certificate=${pki.adminCert}`,
      `--kubelet-client-key=${pki.adminKey}`,
    ],
    {},
  );
  const api = await startApiServer(config, { logger: testLogger() });
  const url = api.insecureUrl!;
  const client = createClient(configFromMaster(url));
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: join(dir, 'none') };
  const base = [`--server=${url}`, '--namespace=default'];
  const kubelets: RunningKubelet[] = [];
  // Plain-HTTP kubelets (the fake-runtime test) cannot check client certificates.
  const auth = (extra: string[]) => (extra.includes('--kubelet-insecure-http') ? ['--anonymous-auth=true'] : [`--client-ca-file=${pki.caCert}`]);
  return {
    api,
    pki,
    url,
    client,
    dir,
    kubectl: (args, stdin) =>
      new Promise((resolve) => {
        const child = spawn(KUBECTL, [...base, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += String(d)));
        child.stderr.on('data', (d) => (stderr += String(d)));
        child.stdin.end(stdin ?? '');
        const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 30_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ stdout, stderr, code });
        });
      }),
    kubectlStream: (args, extraEnv = {}) => {
      const child = spawn(KUBECTL, [...base, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      child.stderr.on('data', (d) => (out += String(d)));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { output: () => out, stop: () => void (child.exitCode === null && child.pid && process.kill(child.pid, 'SIGTERM')), exited };
    },
    startKubelet: async (nodeName, extra = [], rootDir = join(dir, nodeName)) => {
      const cfg = parseFlags(
        kubeletFlags,
        [`--node-name=${nodeName}`, `--master=${url}`, `--root-dir=${rootDir}`, '--port=0', '--healthz-port=0', '--address=127.0.0.1', ...auth(extra), ...extra],
        {},
      );
      const k = await startKubelet(cfg, { logger: testLogger() });
      kubelets.push(k);
      return k;
    },
    dispose: async () => {
      for (const k of kubelets) await k.stop();
      client.close();
      await api.stop();
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}


import { until } from '../setup/wait.js';

export { until };

export const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** A busybox container running `sh -c script` from the locally built image. */
export const box = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: BUSYBOX_IMAGE,
  imagePullPolicy: 'IfNotPresent',
  command: ['sh', '-c', script],
  ...extra,
});

/** The built kubelet bin (`npx nx run-many -t build` first; npm test does). */
export const KUBELET_BIN = fileURLToPath(new URL('../../apps/kubelet/dist/main.js', import.meta.url));

/** The real `tskubelet` as a child process of the test, so it can be killed and started again. */
export interface KubeletProcess {
  /** The current process (after `start`). */
  readonly child: ChildProcess | undefined;
  /** Spawns the bin; resolves once its /healthz answers (rejects with what it printed). */
  start(): Promise<void>;
  /** Sends `sig` and waits for the exit; the exit code (null when killed by a signal). */
  signal(sig: NodeJS.Signals): Promise<number | null>;
  /** Everything the bin printed so far, across restarts. */
  output(): string;
  /** SIGTERM, then forgets the process (also killed if the test run itself exits). */
  dispose(): Promise<void>;
}

export async function kubeletProcess(cluster: Cluster, nodeName: string, dockerHost: string): Promise<KubeletProcess> {
  if (!existsSync(KUBELET_BIN)) throw new Error(`${KUBELET_BIN} is missing: run \`npx nx run-many -t build\` (npm test does) before the e2e tests`);
  const healthzPort = await freePort();
  const args = [
    `--node-name=${nodeName}`,
    `--master=${cluster.url}`,
    `--root-dir=${join(cluster.dir, nodeName)}`,
    `--port=${await freePort()}`,
    `--healthz-port=${healthzPort}`,
    '--address=127.0.0.1',
    `--client-ca-file=${cluster.pki.caCert}`,
    `--docker-endpoint=${dockerHost}`,
  ];
  let child: ChildProcess | undefined;
  let output = '';
  const alive = (c: ChildProcess | undefined): boolean => c !== undefined && c.exitCode === null && c.signalCode === null;
  // A stray kubelet must not outlive a crashed test run.
  const killOnExit = () => void (alive(child) && child?.pid && process.kill(child.pid, 'SIGKILL'));
  process.on('exit', killOnExit);
  const signal = async (sig: NodeJS.Signals): Promise<number | null> => {
    const c = child;
    if (!c || !alive(c)) return c?.exitCode ?? null;
    const exited = once(c, 'exit');
    process.kill(c.pid!, sig);
    const [code] = (await exited) as [number | null];
    return code;
  };
  return {
    get child() {
      return child;
    },
    async start() {
      const c = spawn(process.execPath, [KUBELET_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout.on('data', (d) => (output += String(d)));
      c.stderr.on('data', (d) => (output += String(d)));
      await until('the kubelet’s /healthz', async () => {
        if (!alive(c)) throw new Error(`tskubelet exited (${c.exitCode ?? c.signalCode}):\n${output}`);
        return (await fetch(`http://127.0.0.1:${healthzPort}/healthz`)).ok ? true : undefined;
      }, 20_000, 100);
    },
    signal,
    output: () => output,
    async dispose() {
      try {
        await signal('SIGTERM');
      } finally {
        process.off('exit', killOnExit);
        killOnExit();
      }
    },
  };
}

/**
 * Deletes every pod in `namespace` through the API (so the kubelet removes their containers) and
 * waits until they are gone; best effort, for afterAll.
 */
export async function deleteAllPods(cluster: Cluster, namespace = 'default'): Promise<void> {
  const pods = await cluster.client.pods.list(namespace).catch(() => ({ items: [] as Pod[] }));
  await Promise.all(pods.items.map((p) => cluster.client.pods.delete(namespace, p.metadata!.name!, { gracePeriodSeconds: 1 }).catch(() => undefined)));
  await until('test pods deleted', async () => ((await cluster.client.pods.list(namespace)).items.length === 0 ? true : undefined), 30_000).catch(() => undefined);
}
