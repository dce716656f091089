// tskube-apiserver: the core /api/v1 over HTTP(S). startApiServer/runApiServer embed it (tests, the
// all-in-one `up`); main.ts is the bin. The REST layer itself lives in @tskube/registry.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  createMetricsRegistry,
  defineFlags,
  loggingFlags,
  runUntilAborted,
  type FlagValues,
  type Logger,
  type Problems,
} from '@tskube/component-base';
import {
  clientCertAuthenticator,
  createApiHandler,
  createInflightLimiter,
  startNamespaceFinalizer,
  startServiceIpRepair,
  createEtcdStorage,
  createMemoryStorage,
  createRegistries,
  DEFAULT_INFLIGHT_LIMITS,
  DEFAULT_VERSION,
  tokenFileAuthenticator,
  type ApiHandler,
  type Authenticator,
  type Storage,
} from '@tskube/registry';

export const apiServerFlags = defineFlags({
  'etcd-servers': { type: 'list', help: 'etcd client URLs, comma separated (the seed spells it --etcd_servers)' },
  'etcd-prefix': {
    type: 'string',
    default: '',
    help: 'Prefix before every etcd key (keys already start with /registry); lets clusters share one etcd',
  },
  storage: { type: 'string', choices: ['etcd', 'memory'], default: 'etcd', help: 'Where objects live; memory is for tests and demos' },
  'bind-address': { type: 'string', default: '0.0.0.0', help: 'Address the secure port listens on' },
  'secure-port': { type: 'int', default: 6443, help: 'HTTPS port (needs --tls-cert-file and --tls-private-key-file); 0 = off' },
  'tls-cert-file': { type: 'string', help: 'PEM certificate (chain) of the secure port' },
  'tls-private-key-file': { type: 'string', help: 'PEM private key of the secure port' },
  'insecure-port': {
    type: 'int',
    default: 8080,
    help: 'Plain HTTP port without authentication, always bound to 127.0.0.1; 0 = off',
  },
  'service-cluster-ip-range': { type: 'string', default: '10.0.0.0/16', help: 'CIDR portal (cluster) IPs of services come from' },
  'event-ttl': {
    type: 'duration',
    default: '1h0m0s',
    help: 'How long events are kept after their last write (whole seconds; 0 = forever)',
    validate: (ms: number) =>
      ms < 0 || ms % 1000 !== 0 ? `--event-ttl: must be 0 or a whole number of seconds (e.g. 1h0m0s, 90s)` : undefined,
  },
  'token-auth-file': { type: 'string', help: 'CSV of bearer tokens: token,user,uid,"group1,group2"' },
  'client-ca-file': { type: 'string', help: 'PEM CA bundle; client certificates it signed authenticate as CN (user) and O (groups)' },
  'kubelet-client-certificate': {
    type: 'string',
    help: 'PEM client certificate the apiserver presents to kubelets (pods/log, exec, attach, portforward)',
  },
  'kubelet-client-key': { type: 'string', help: 'PEM private key of --kubelet-client-certificate' },
  'kubelet-certificate-authority': {
    type: 'string',
    help: "PEM CA that kubelets' serving certificates chain to; unset = kubelet certificates are not verified",
  },
  'max-requests-inflight': {
    type: 'int',
    default: DEFAULT_INFLIGHT_LIMITS.maxReadOnly,
    help: 'Most non-mutating requests served at once (watches, log follows and streams not counted); more get 429; 0 = no limit',
  },
  'max-mutating-requests-inflight': {
    type: 'int',
    default: DEFAULT_INFLIGHT_LIMITS.maxMutating,
    help: 'Most mutating requests served at once; more get 429; 0 = no limit',
  },
  'authorization-mode': {
    type: 'string',
    default: 'AlwaysAllow',
    help: 'Authorization of authenticated requests; only AlwaysAllow is supported',
    validate: (v: string) => (v === 'AlwaysAllow' ? undefined : `authorization mode "${v}" is not supported (only AlwaysAllow)`),
  },
  ...loggingFlags,
});

export type ApiServerConfig = FlagValues<typeof apiServerFlags>;

const portProblem = (flag: string, port: number): string | undefined =>
  port < 0 || port > 65535 ? `--${flag}: ${port} is not a port (0-65535)` : undefined;

/** Checks across flags (pass as parseFlags' `validate`); every problem is reported. */
export function validateApiServerConfig(c: ApiServerConfig): Problems {
  const problems: string[] = [];
  if (c.storage === 'etcd' && c['etcd-servers'].length === 0) problems.push('--etcd-servers is required with --storage=etcd');
  for (const [flag, port] of [['secure-port', c['secure-port']], ['insecure-port', c['insecure-port']]] as const) {
    const p = portProblem(flag, port);
    if (p) problems.push(p);
  }
  if (c['secure-port'] > 0 && (!c['tls-cert-file'] || !c['tls-private-key-file'])) {
    problems.push('--secure-port needs --tls-cert-file and --tls-private-key-file (or --secure-port=0 to serve only the insecure port)');
  }
  if (!c['kubelet-client-certificate'] !== !c['kubelet-client-key']) {
    problems.push('--kubelet-client-certificate and --kubelet-client-key go together');
  }
  for (const flag of ['max-requests-inflight', 'max-mutating-requests-inflight'] as const) {
    if (c[flag] < 0) problems.push(`--${flag}: must be 0 (no limit) or more, got ${c[flag]}`);
  }
  if (c['secure-port'] === 0 && c['insecure-port'] === 0) problems.push('both --secure-port and --insecure-port are 0: nothing to serve');
  if (c['secure-port'] === 0 && (c['token-auth-file'] || c['client-ca-file'])) {
    problems.push('--token-auth-file and --client-ca-file need the secure port (the insecure port is never authenticated)');
  }
  return problems;
}

export interface RunningApiServer {
  /** `http://127.0.0.1:<port>` when the insecure port is on. */
  insecureUrl?: string;
  /** `https://<bind-address>:<port>` when the secure port is on. */
  secureUrl?: string;
  /** Stops accepting, ends watches and streams, closes storage. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Storage to use instead of the one the flags name (tests). */
  storage?: Storage;
}

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Closes a server: no new connections; idle ones as soon as they are idle, busy ones after `graceMs`. */
async function closeServer(server: http.Server, graceMs = 5000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Responses that end now (watches ended by shutdown) leave keep-alive connections idle: close them too.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearInterval(idle);
  clearTimeout(timer);
}

const urlHost = (h: string) => (h.includes(':') ? `[${h}]` : h);

export async function startApiServer(config: ApiServerConfig, options: StartOptions): Promise<RunningApiServer> {
  const problems = validateApiServerConfig(config);
  if (problems && problems.length > 0) throw new Error(`invalid apiserver configuration: ${[problems].flat().join('; ')}`);
  const logger = options.logger;
  const storage =
    options.storage ??
    (config.storage === 'memory'
      ? createMemoryStorage()
      : createEtcdStorage({ endpoints: config['etcd-servers'], prefix: config['etcd-prefix'], logger }));
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        logger.warn({ err }, 'error while stopping');
      }
    }
  };
  cleanups.push(() => storage.close());

  try {
    const registries = createRegistries({
      storage,
      serviceClusterIPRange: config['service-cluster-ip-range'],
      eventTTLSeconds: config['event-ttl'] / 1000,
      logger,
    });
    cleanups.push(() => registries.stop());
    await registries.ready();
    // Until a controller manager exists, the apiserver empties and removes terminating namespaces.
    const namespaceFinalizer = startNamespaceFinalizer(registries, { logger });
    cleanups.push(() => namespaceFinalizer.stop());
    // Portal IPs leaked by a crash between allocation and the service write are freed again.
    const ipRepair = startServiceIpRepair(registries, { logger });
    cleanups.push(() => ipRepair.stop());

    const metrics = createMetricsRegistry({ component: 'apiserver', version: DEFAULT_VERSION.gitVersion });
    const readOptional = (file: string | undefined) => (file ? readFile(file) : Promise.resolve(undefined));
    const [kubeletCert, kubeletKey, kubeletCa] = await Promise.all([
      readOptional(config['kubelet-client-certificate']),
      readOptional(config['kubelet-client-key']),
      readOptional(config['kubelet-certificate-authority']),
    ]);
    const kubeletClient = {
      tls: {
        ...(kubeletCert && kubeletKey ? { cert: kubeletCert, key: kubeletKey } : {}),
        ...(kubeletCa ? { ca: kubeletCa } : {}),
      },
    };
    const common = {
      // One limiter for both ports: the limit is about this process's capacity.
      inflight: createInflightLimiter({ maxReadOnly: config['max-requests-inflight'], maxMutating: config['max-mutating-requests-inflight'] }),
      registries,
      storage,
      logger,
      metrics,
      kubeletClient,
      serviceClusterIPRange: config['service-cluster-ip-range'],
    };
    const handlers: ApiHandler[] = [];
    const running: RunningApiServer = { stop: stopAll };

    if (config['insecure-port'] > 0) {
      // Loopback only and never authenticated, as upstream's old insecure port.
      const handler = createApiHandler(common);
      handlers.push(handler);
      const server = http.createServer(handler);
      server.on('upgrade', handler.upgrade);
      const addr = await listen(server, config['insecure-port'], '127.0.0.1');
      cleanups.push(() => closeServer(server));
      running.insecureUrl = `http://127.0.0.1:${addr.port}`;
      logger.info({ url: running.insecureUrl }, 'serving insecurely on loopback');
    }

    if (config['secure-port'] > 0) {
      const authenticators: Authenticator[] = [];
      if (config['token-auth-file']) authenticators.push(tokenFileAuthenticator(await readFile(config['token-auth-file'], 'utf8')));
      const ca = config['client-ca-file'] ? await readFile(config['client-ca-file']) : undefined;
      if (ca) authenticators.push(clientCertAuthenticator);
      const handler = createApiHandler({ ...common, authenticator: authenticators.length > 0 ? authenticators : undefined });
      handlers.push(handler);
      const server = https.createServer(
        {
          cert: await readFile(config['tls-cert-file']!),
          key: await readFile(config['tls-private-key-file']!),
          ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}),
        },
        handler,
      );
      server.on('upgrade', handler.upgrade);
      const addr = await listen(server, config['secure-port'], config['bind-address']);
      cleanups.push(() => closeServer(server));
      running.secureUrl = `https://${urlHost(config['bind-address'])}:${addr.port}`;
      logger.info({ url: running.secureUrl, authenticators: authenticators.length }, 'serving securely');
    }
    // Runs first on stop: readyz fails, watches end, so the servers can close.
    cleanups.push(() => {
      for (const h of handlers) h.shutdown();
    });
    return running;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Serves until `signal` aborts, then shuts down gracefully and resolves. */
export async function runApiServer(config: ApiServerConfig, options: { signal: AbortSignal; logger: Logger }): Promise<void> {
  const server = await startApiServer(config, { logger: options.logger });
  await runUntilAborted(options.signal, [() => server.stop()]);
  options.logger.info('apiserver stopped');
}
