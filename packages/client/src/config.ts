import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Clock } from '@tskube/component-base';

/** How to reach and authenticate to an apiserver. PEM values are strings or Buffers. */
export interface ClientConfig {
  /** Base URL, e.g. `http://127.0.0.1:8080` or `https://127.0.0.1:6443`. */
  server: string;
  token?: string;
  /** Read when the client is created. */
  tokenFile?: string;
  ca?: string | Buffer;
  caFile?: string;
  /** Client certificate and key (mTLS). */
  cert?: string | Buffer;
  certFile?: string;
  key?: string | Buffer;
  keyFile?: string;
  insecureSkipTLSVerify?: boolean;
  userAgent?: string;
  /** Client-side rate limit (token bucket); defaults 50 qps, 100 burst. */
  qps?: number;
  burst?: number;
  /** The context's namespace, when the config came from a kubeconfig. */
  namespace?: string;
  /** Time source for rate limiting and retry backoff. */
  clock?: Clock;
}

/** `--master=http://host:port`: no credentials, as kubectl's `--server` without a kubeconfig. */
export function configFromMaster(url: string): ClientConfig {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`master URL must be http or https: ${url}`);
  }
  return { server: url.replace(/\/+$/, '') };
}

export interface KubeconfigOptions {
  /** Context to use instead of `current-context`. */
  context?: string;
  /** Directory that relative file paths in the kubeconfig are resolved against (the file's own). */
  basePath?: string;
}

type Named<K extends string> = { name?: unknown } & { [P in K]?: Record<string, unknown> };

/**
 * Builds a ClientConfig from a parsed kubeconfig (`clusters`, `users`, `contexts`,
 * `current-context`). `*-data` fields are base64 PEM; file fields stay paths (read by
 * createClient), resolved against `basePath`.
 */
export function configFromKubeconfigObject(obj: unknown, options: KubeconfigOptions = {}): ClientConfig {
  if (!isRecord(obj)) throw new Error('kubeconfig: not an object');
  const contextName = options.context ?? str(obj['current-context']);
  if (!contextName) throw new Error('kubeconfig: no context given and no current-context set');
  const context = findNamed(obj['contexts'], 'context', contextName, 'context');
  const clusterName = str(context['cluster']);
  if (!clusterName) throw new Error(`kubeconfig: context "${contextName}" names no cluster`);
  const cluster = findNamed(obj['clusters'], 'cluster', clusterName, 'cluster');
  const userName = str(context['user']);
  const user = userName ? findNamed(obj['users'], 'user', userName, 'user') : {};

  const server = str(cluster['server']);
  if (!server) throw new Error(`kubeconfig: cluster "${clusterName}" has no server`);
  const path = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : options.basePath && !isAbsolute(p) ? resolve(options.basePath, p) : p;
  const data = (v: unknown): string | undefined => {
    const s = str(v);
    return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
  };

  const config: ClientConfig = { server: server.replace(/\/+$/, '') };
  const set = <K extends keyof ClientConfig>(k: K, v: ClientConfig[K] | undefined): void => {
    if (v !== undefined) config[k] = v;
  };
  set('ca', data(cluster['certificate-authority-data']));
  set('caFile', path(str(cluster['certificate-authority'])));
  if (cluster['insecure-skip-tls-verify'] === true) config.insecureSkipTLSVerify = true;
  set('token', str(user['token']));
  set('tokenFile', path(str(user['tokenFile']) ?? str(user['token-file'])));
  set('cert', data(user['client-certificate-data']));
  set('certFile', path(str(user['client-certificate'])));
  set('key', data(user['client-key-data']));
  set('keyFile', path(str(user['client-key'])));
  set('namespace', str(context['namespace']));
  return config;
}

function findNamed<K extends string>(list: unknown, field: K, name: string, what: string): Record<string, unknown> {
  const entries = Array.isArray(list) ? (list as Named<K>[]) : [];
  const entry = entries.find((e) => isRecord(e) && e.name === name);
  if (!entry) throw new Error(`kubeconfig: ${what} "${name}" not found`);
  const inner = entry[field];
  return isRecord(inner) ? inner : {};
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Reads a kubeconfig file (YAML or JSON) the way kubectl does for one context; relative
 * certificate and token paths resolve against the file's directory.
 */
export function loadKubeconfig(path: string, options: Omit<KubeconfigOptions, 'basePath'> = {}): ClientConfig {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
  }
  return configFromKubeconfigObject(parsed, { ...options, basePath: dirname(path) });
}
