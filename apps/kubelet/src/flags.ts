import { defineFlags, loggingFlags, type FlagValues, type Problems } from '@tskube/component-base';

export const kubeletFlags = defineFlags({
  'node-name': { type: 'string', help: 'Name of the Node this kubelet registers (default: the hostname)' },
  kubeconfig: { type: 'string', help: 'kubeconfig with the apiserver and credentials' },
  master: { type: 'string', default: 'http://127.0.0.1:8080', help: 'apiserver URL when no --kubeconfig is given' },
  'root-dir': { type: 'string', default: '/var/lib/tskubelet', help: 'Directory for pod volumes and the kubelet certificate' },
  'max-pods': { type: 'int', default: 110, help: 'Pods this node reports it can run (capacity.pods)' },
  runtime: { type: 'string', choices: ['docker', 'fake'], default: 'docker', help: 'Container runtime: docker, or fake (kwok-style, no processes)' },
  'docker-endpoint': { type: 'string', help: 'Docker Engine URL (unix:///var/run/docker.sock); default $DOCKER_HOST' },
  'pod-infra-container-image': { type: 'string', default: 'tskube/pause:latest', help: 'Image of the pod network (sandbox) container' },
  address: { type: 'string', default: '0.0.0.0', help: 'Address the kubelet API listens on' },
  port: { type: 'int', default: 10250, help: 'Port of the kubelet API (0 = a free port)' },
  'healthz-port': { type: 'int', default: 10248, help: 'Port of /healthz and /metrics on 127.0.0.1 (0 = a free port)' },
  'node-ip': { type: 'string', default: '127.0.0.1', help: 'The node InternalIP reported in its status (pods hostIP)' },
  'tls-cert-file': { type: 'string', help: 'PEM certificate of the kubelet API; default a self-signed one in --root-dir' },
  'tls-private-key-file': { type: 'string', help: 'PEM key of --tls-cert-file' },
  'client-ca-file': { type: 'string', help: 'PEM CA: client certificates it signed may use the kubelet API' },
  'authentication-token-file': { type: 'string', help: 'Bearer tokens (one a line, or token,user,... CSV) that may use the kubelet API' },
  'anonymous-auth': { type: 'boolean', default: false, help: 'Let unauthenticated requests use the kubelet API (unsafe)' },
  'kubelet-insecure-http': { type: 'boolean', default: false, help: 'Serve the kubelet API over plain HTTP (tests only)' },
  'node-status-update-frequency': { type: 'duration', default: '10s', help: 'How often the Node status (Ready heartbeat) is posted' },
  'node-lease-duration-seconds': {
    type: 'int',
    default: 40,
    help: 'Duration of the node Lease (kube-node-lease/<node>); it is renewed at a quarter of it',
  },
  'sync-frequency': { type: 'duration', default: '10s', help: 'Periodic resync of every pod' },
  ...loggingFlags,
});

export type KubeletConfig = FlagValues<typeof kubeletFlags>;

export function validateKubeletConfig(c: KubeletConfig): Problems {
  const problems: string[] = [];
  for (const flag of ['port', 'healthz-port'] as const) if (c[flag] < 0 || c[flag] > 65535) problems.push(`--${flag}: ${c[flag]} is not a port`);
  if (c['max-pods'] < 1) problems.push('--max-pods must be at least 1');
  if (c['node-lease-duration-seconds'] < 1) problems.push('--node-lease-duration-seconds must be at least 1');
  if (!!c['tls-cert-file'] !== !!c['tls-private-key-file']) problems.push('--tls-cert-file and --tls-private-key-file go together');
  if (c['kubelet-insecure-http'] && c['client-ca-file']) problems.push('--client-ca-file needs TLS (drop --kubelet-insecure-http)');
  return problems;
}
