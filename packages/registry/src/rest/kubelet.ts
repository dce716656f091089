/**
 * The apiserver's side of `pods/{log,exec,attach,portforward}`: find the pod's kubelet
 * (pod → spec.nodeName → Node → address and kubelet port) and proxy to its HTTP API, as
 * upstream's pod strategy LogLocation/ExecLocation/... and the kubelet client do.
 */
import http from 'node:http';
import https from 'node:https';
import { badRequest, type Container } from '@tskube/api-types';
import type { Registries } from '../resources/registries.js';
import type { StoredNode, StoredPod } from '../resources/types.js';

export interface KubeletClientConfig {
  /** Defaults to https; http is for tests and kubelets started with TLS off. */
  scheme?: 'https' | 'http';
  tls?: {
    ca?: string | Buffer;
    cert?: string | Buffer;
    key?: string | Buffer;
    /** Skip verifying the kubelet's certificate. Default: true unless a CA is given (a dev cluster's kubelets self-sign). */
    insecure?: boolean;
  };
}

export interface KubeletLocation {
  host: string;
  port: number;
}

export const DEFAULT_KUBELET_PORT = 10250;

export interface KubeletClient {
  request(loc: KubeletLocation, path: string, options: { method: string; headers?: http.OutgoingHttpHeaders }): http.ClientRequest;
}

export function createKubeletClient(config: KubeletClientConfig = {}): KubeletClient {
  const scheme = config.scheme ?? 'https';
  const tls = config.tls ?? {};
  const insecure = tls.insecure ?? tls.ca === undefined;
  return {
    request(loc, path, options) {
      const common = { host: loc.host, port: loc.port, path, method: options.method, headers: options.headers };
      if (scheme === 'http') return http.request({ ...common, agent: false });
      return https.request({ ...common, agent: false, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !insecure });
    },
  };
}

/** The address upstream's kubelet client prefers: InternalIP, then Hostname, then ExternalIP. */
export function nodeLocation(node: StoredNode): KubeletLocation {
  const addresses = node.status?.addresses ?? [];
  const pick = (type: string) => addresses.find((a) => a.type === type && a.address)?.address;
  const host = pick('InternalIP') ?? pick('Hostname') ?? pick('ExternalIP');
  if (!host) throw badRequest(`node ${node.metadata.name ?? ''} has no address to reach its kubelet`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return { host, port: port && port > 0 ? port : DEFAULT_KUBELET_PORT };
}

/**
 * The container a log/exec/attach request means: the one named, or the only one. With several
 * and none named it is a 400 listing them, worded as upstream.
 */
export function pickContainer(pod: StoredPod, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const containers: Container[] = pod.spec?.containers ?? [];
  const inits: Container[] = pod.spec?.initContainers ?? [];
  if (requested) {
    if (![...containers, ...inits].some((c) => c.name === requested)) {
      throw badRequest(`container ${requested} is not valid for pod ${name}`);
    }
    return requested;
  }
  if (containers.length === 1) return containers[0]!.name;
  const names = containers.map((c) => c.name).join(' ');
  let message = `a container name must be specified for pod ${name}, choose one of: [${names}]`;
  if (inits.length > 0) message += ` or one of the init containers: [${inits.map((c) => c.name).join(' ')}]`;
  throw badRequest(message);
}

export interface PodTarget {
  pod: StoredPod;
  location: KubeletLocation;
}

/** Resolves a pod to its kubelet; 404 when the pod or its node is missing, 400 when it is not bound. */
export async function podKubelet(registries: Registries, namespace: string, podName: string): Promise<PodTarget> {
  const pod = await registries.pods.get(namespace, podName);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${podName} does not have a host assigned`);
  const node = await registries.nodes.get(undefined, nodeName);
  return { pod, location: nodeLocation(node) };
}

const LOG_PARAMS = ['follow', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'tailLines', 'limitBytes'] as const;

/** `/containerLogs/{ns}/{pod}/{container}?...` with the PodLogOptions the client gave. */
export function containerLogsPath(namespace: string, pod: string, container: string, query: URLSearchParams): string {
  const params = new URLSearchParams();
  for (const p of LOG_PARAMS) {
    const v = query.get(p);
    if (v !== null && v !== '') params.set(p, v);
  }
  const qs = params.toString();
  return `/containerLogs/${enc(namespace)}/${enc(pod)}/${enc(container)}${qs ? `?${qs}` : ''}`;
}

const enc = encodeURIComponent;
const TRUE = /^(1|t|true)$/i;

/**
 * The kubelet path of an exec/attach/portforward stream. As upstream, the streaming options are
 * renamed for the kubelet: stdin→input, stdout→output, stderr→error (each `=1`), command repeated.
 */
export function streamPath(kind: 'exec' | 'attach' | 'portforward', namespace: string, pod: string, container: string, query: URLSearchParams): string {
  const params = new URLSearchParams();
  if (kind === 'portforward') {
    for (const p of query.getAll('ports')) params.append('ports', p);
    const qs = params.toString();
    return `/portForward/${enc(namespace)}/${enc(pod)}${qs ? `?${qs}` : ''}`;
  }
  if (kind === 'exec') for (const c of query.getAll('command')) params.append('command', c);
  const flags: [string, string][] = [
    ['stdin', 'input'],
    ['stdout', 'output'],
    ['stderr', 'error'],
    ['tty', 'tty'],
  ];
  for (const [from, to] of flags) if (TRUE.test(query.get(from) ?? '')) params.set(to, '1');
  const qs = params.toString();
  return `/${kind}/${enc(namespace)}/${enc(pod)}/${enc(container)}${qs ? `?${qs}` : ''}`;
}
