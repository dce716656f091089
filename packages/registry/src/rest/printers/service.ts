/** Service and Endpoints rows: K8S printers.go printService, printEndpoints, rendered wide. */
import type { Endpoints, Service, ServicePort } from '@tskube/api-types';
import { ageColumn, column, formatLabels, listWithMore, nameColumn, type Printer } from './columns.js';
import { translateTimestampSince } from './duration.js';

/** Load-balancer ingress IPs (else hostnames), sorted and unique, comma-joined. */
function loadBalancerAddresses(svc: Service): string {
  const set = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip);
    else if (ing.hostname) set.add(ing.hostname);
  }
  return [...set].sort().join(',');
}

export function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** `80/TCP`, or `80:30080/TCP` with a node port, comma-joined. */
export function servicePorts(ports: readonly ServicePort[] | undefined): string {
  return (ports ?? [])
    .map((p) => (p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`))
    .join(',');
}

export const servicePrinter: Printer<Service> = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column(
      'External-IP',
      'string',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
    ),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  print(svc: Service, now: number) {
    // The real server always fills clusterIPs from clusterIP; fall back for objects that only have the latter.
    const clusterIP = svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP;
    return {
      cells: [
        svc.metadata?.name ?? '',
        svc.spec?.type ?? '',
        clusterIP || '<none>',
        serviceExternalIP(svc),
        servicePorts(svc.spec?.ports) || '<none>',
        translateTimestampSince(svc.metadata?.creationTimestamp, now),
        formatLabels(svc.spec?.selector),
      ],
    };
  },
};

/** net.JoinHostPort: IPv6 addresses get brackets. */
const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** The first three `ip:port` pairs (ready addresses × ports) and ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const MAX = 3;
  const shown: string[] = [];
  let total = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    // Headless services may have no ports: the bare IPs are listed.
    const pairs: Array<[string, number | undefined]> =
      ports.length === 0
        ? addresses.map((a) => [a.ip, undefined])
        : ports.flatMap((p) => addresses.map((a): [string, number] => [a.ip, p.port]));
    for (const [ip, port] of pairs) {
      total++;
      if (shown.length < MAX) shown.push(port === undefined ? ip : joinHostPort(ip, port));
    }
  }
  return listWithMore(shown, total, MAX);
}

export const endpointsPrinter: Printer<Endpoints> = {
  columns: [
    nameColumn(),
    column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'),
    ageColumn(),
  ],
  print(ep: Endpoints, now: number) {
    return {
      cells: [ep.metadata?.name ?? '', formatEndpoints(ep), translateTimestampSince(ep.metadata?.creationTimestamp, now)],
    };
  },
};
