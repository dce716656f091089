/**
 * Writes kubeconfig files the stock kubectl and @kubernetes/client-node read: one cluster, one
 * user, one context. Always give a credential for https: without one kubectl may prompt for a
 * username on stdin. The text is JSON, which is YAML too: no YAML library needed to write it.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KubeconfigOptions {
  /** e.g. `https://127.0.0.1:6443` (or `http://127.0.0.1:8080`, which gets insecure-skip-tls-verify). */
  server: string;
  /** The CA that signed the serving certificate, as a path (embedded as data)... */
  caFile?: string;
  /** ...or as PEM text. */
  caData?: string;
  /** Bearer token. */
  token?: string;
  /** Client certificate and key paths (embedded as data). */
  clientCert?: string;
  clientKey?: string;
  /** Default namespace of the context (kubectl's default is `default`). */
  namespace?: string;
  /** Name of the cluster, user and context (default `tskube`). */
  name?: string;
}

/** The kubeconfig as text (JSON, a subset of YAML) (e.g. for client-node's `KubeConfig.loadFromString`). */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  const name = options.name ?? 'tskube';
  const caPem = options.caData ?? (options.caFile ? readFileSync(options.caFile, 'utf8') : undefined);
  const cluster: Record<string, unknown> = { server: options.server };
  if (caPem) cluster['certificate-authority-data'] = b64(caPem);
  // client-node refuses plain http unless told the connection is not verified anyway.
  else if (options.server.startsWith('http:')) cluster['insecure-skip-tls-verify'] = true;

  const user: Record<string, unknown> = {};
  if (options.token) user['token'] = options.token;
  if (options.clientCert || options.clientKey) {
    if (!options.clientCert || !options.clientKey) throw new Error('kubeconfig: clientCert and clientKey go together');
    user['client-certificate-data'] = b64(readFileSync(options.clientCert, 'utf8'));
    user['client-key-data'] = b64(readFileSync(options.clientKey, 'utf8'));
  }
  const context: Record<string, unknown> = { cluster: name, user: name };
  if (options.namespace) context['namespace'] = options.namespace;

  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
  };
  return JSON.stringify(config, null, 2) + '\n';
}

/** Writes the kubeconfig (mode 0600: it holds a credential) and returns its text. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<string> {
  const text = kubeconfigYaml(options);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode: 0o600 });
  return text;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
