// tskubelet: runKubelet(config, {signal, logger}) for embedding; main.ts is the bin.
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { configFromMaster, createClient, loadKubeconfig, type Client } from '@tskube/client';
import { createMetricsRegistry, runUntilAborted, startComponentServer, systemClock, type Clock, type Logger } from '@tskube/component-base';
import {
  createDockerRuntime,
  createFakeRuntime,
  createKubeletMetrics,
  createKubeletServer,
  Kubelet,
  KUBELET_VERSION,
  NodeLeaseController,
  NodeStatusManager,
  parseTokenFile,
  selfSignedCert,
  type ContainerRuntime,
  type KubeletAuthConfig,
} from '@tskube/kubelet-runtime';
import { validateKubeletConfig, type KubeletConfig } from './flags.js';

export { kubeletFlags, validateKubeletConfig, type KubeletConfig } from './flags.js';

export interface StartKubeletOptions {
  logger: Logger;
  clock?: Clock;
  /** A runtime to use instead of the one --runtime names (tests). */
  runtime?: ContainerRuntime;
  /** A client to use instead of --kubeconfig/--master (tests). */
  client?: Client;
  /** Periodic container GC (default 60 s). */
  gcIntervalMs?: number;
}

export interface RunningKubelet {
  readonly kubelet: Kubelet;
  readonly runtime: ContainerRuntime;
  readonly nodeName: string;
  /** The kubelet API's port and URL (`https://` unless --kubelet-insecure-http). */
  readonly port: number;
  readonly url: string;
  /** `http://127.0.0.1:<healthz-port>` (`/healthz`, `/metrics`). */
  readonly healthzUrl: string;
  /** Graceful: stops the loops and servers; containers keep running. */
  stop(): Promise<void>;
  /** As if killed: stops at once without waiting for syncs in flight (containers keep running). */
  kill(): Promise<void>;
}

export async function startKubelet(config: KubeletConfig, options: StartKubeletOptions): Promise<RunningKubelet> {
  const problems = validateKubeletConfig(config);
  if (problems && [problems].flat().length > 0) throw new Error(`invalid kubelet configuration: ${[problems].flat().join('; ')}`);
  const logger = options.logger;
  const clock = options.clock ?? systemClock;
  const nodeName = config['node-name'] || hostname().toLowerCase();
  const rootDir = resolve(config['root-dir']);
  await mkdir(rootDir, { recursive: true });

  const client =
    options.client ??
    createClient({
      ...(config.kubeconfig ? loadKubeconfig(config.kubeconfig) : configFromMaster(config.master)),
      userAgent: `tskubelet/${KUBELET_VERSION} (node ${process.version})`,
    });
  const runtime =
    options.runtime ??
    (config.runtime === 'fake'
      ? createFakeRuntime({ clock })
      : createDockerRuntime({ ...(config['docker-endpoint'] ? { docker: config['docker-endpoint'] } : {}), podsDir: rootDir, pauseImage: config['pod-infra-container-image'], logger }));
  const version = await runtime.version();

  const registry = createMetricsRegistry({ component: 'kubelet', version: KUBELET_VERSION });
  const metrics = createKubeletMetrics(registry);
  const kubelet = new Kubelet({
    nodeName,
    client,
    runtime,
    rootDir,
    nodeIP: config['node-ip'],
    logger,
    clock,
    metrics,
    resyncIntervalMs: config['sync-frequency'],
    ...(options.gcIntervalMs ? { gcIntervalMs: options.gcIntervalMs } : {}),
  });

  const auth: KubeletAuthConfig = { anonymous: config['anonymous-auth'], clientCerts: !!config['client-ca-file'] };
  if (config['authentication-token-file']) auth.tokens = parseTokenFile(await readFile(config['authentication-token-file'], 'utf8'));
  let tls: { cert: Buffer; key: Buffer; ca?: Buffer } | undefined;
  if (!config['kubelet-insecure-http']) {
    tls = config['tls-cert-file']
      ? { cert: await readFile(config['tls-cert-file']), key: await readFile(config['tls-private-key-file']!) }
      : await selfSignedCert(rootDir, nodeName, config['node-ip']);
    if (config['client-ca-file']) tls.ca = await readFile(config['client-ca-file']);
  }
  if (!auth.anonymous && !auth.tokens?.length && !auth.clientCerts) {
    logger.warn('no --authentication-token-file, --client-ca-file or --anonymous-auth: the kubelet API refuses every request');
  }
  const server = createKubeletServer({ kubelet, auth, logger, metrics: registry, ...(tls ? { tls } : {}) });
  const port = await server.listen(config.port, config.address);
  const scheme = tls ? 'https' : 'http';
  const host = config.address === '0.0.0.0' ? '127.0.0.1' : config.address;

  const stopLoops = new AbortController();
  const health = await startComponentServer({ port: config['healthz-port'], host: '127.0.0.1', logger, registry, signal: stopLoops.signal });

  const nodeStatus = new NodeStatusManager(client, { nodeName, nodeIP: config['node-ip'], port, maxPods: config['max-pods'], runtimeVersion: version, runtimeType: runtime.type }, logger, clock);
  const nodeLease = new NodeLeaseController(client, { nodeName, leaseDurationSeconds: config['node-lease-duration-seconds'] }, logger, clock);
  const cleanup = async (graceful: boolean) => {
    stopLoops.abort();
    if (graceful) await kubelet.stop();
    else void kubelet.stop();
    await Promise.allSettled([server.close(), health.close()]);
    await Promise.all([heartbeats, leaseRenewals]);
  };
  let heartbeats: Promise<void> = Promise.resolve();
  let leaseRenewals: Promise<void> = Promise.resolve();
  try {
    await nodeStatus.register();
    heartbeats = nodeStatus.run(config['node-status-update-frequency'], stopLoops.signal);
    // After registration, so the Lease gets its Node as owner from the first write.
    leaseRenewals = nodeLease.run(stopLoops.signal);
    await kubelet.start();
  } catch (err) {
    await cleanup(true);
    throw err;
  }
  logger.info({ node: nodeName, url: `${scheme}://${host}:${port}`, runtime: runtime.type }, 'kubelet started');
  let stopped: Promise<void> | undefined;
  return {
    kubelet,
    runtime,
    nodeName,
    port,
    url: `${scheme}://${host}:${port}`,
    healthzUrl: `http://127.0.0.1:${health.port}`,
    stop: () => (stopped ??= cleanup(true)),
    kill: () => (stopped ??= cleanup(false)),
  };
}

/** Runs until `signal` aborts, then stops the loops (containers keep running) and resolves. */
export async function runKubelet(config: KubeletConfig, options: { signal: AbortSignal; logger: Logger }): Promise<void> {
  const running = await startKubelet(config, { logger: options.logger });
  await runUntilAborted(options.signal, [() => running.stop()]);
  options.logger.info('kubelet stopped');
}
