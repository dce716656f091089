import type { Endpoints, Service } from '@tskube/api-types';
import { describe, expect, it } from 'vitest';
import { endpointsPrinter, servicePrinter } from './service.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const meta = { name: 'web', namespace: 'default', creationTimestamp: '2025-01-01T11:00:00Z' };

const svc = (spec: NonNullable<Service['spec']>, status: Service['status'] = { loadBalancer: {} }): Service =>
  ({ kind: 'Service', apiVersion: 'v1', metadata: meta, spec, status }) as Service;
const http = { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 };

describe('servicePrinter', () => {
  it.each<[string, Service, unknown[]]>([
    [
      'ClusterIP',
      svc({ type: 'ClusterIP', clusterIP: '10.0.0.10', clusterIPs: ['10.0.0.10'], ports: [http], selector: { app: 'web', tier: 'fe' } }),
      ['web', 'ClusterIP', '10.0.0.10', '<none>', '80/TCP', '60m', 'app=web,tier=fe'],
    ],
    [
      'ClusterIP with external IPs',
      svc({ type: 'ClusterIP', clusterIPs: ['10.0.0.10'], externalIPs: ['198.51.100.1', '198.51.100.2'], ports: [http] }),
      ['web', 'ClusterIP', '10.0.0.10', '198.51.100.1,198.51.100.2', '80/TCP', '60m', '<none>'],
    ],
    [
      'headless',
      svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [http], selector: { app: 'web' } }),
      ['web', 'ClusterIP', 'None', '<none>', '80/TCP', '60m', 'app=web'],
    ],
    [
      'NodePort with two ports',
      svc({
        type: 'NodePort',
        clusterIPs: ['10.0.0.11'],
        ports: [
          { ...http, nodePort: 30080 },
          { name: 'dns', protocol: 'UDP', port: 53, nodePort: 30053 },
        ],
      }),
      ['web', 'NodePort', '10.0.0.11', '<none>', '80:30080/TCP,53:30053/UDP', '60m', '<none>'],
    ],
    [
      'LoadBalancer still pending',
      svc({ type: 'LoadBalancer', clusterIPs: ['10.0.0.12'], ports: [{ ...http, nodePort: 31000 }] }),
      ['web', 'LoadBalancer', '10.0.0.12', '<pending>', '80:31000/TCP', '60m', '<none>'],
    ],
    [
      'LoadBalancer with ingress (sorted, hostnames when no IP)',
      svc({ type: 'LoadBalancer', clusterIPs: ['10.0.0.12'], ports: [http] }, {
        loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.2' }] },
      }),
      ['web', 'LoadBalancer', '10.0.0.12', '203.0.113.2,203.0.113.9,lb.example.com', '80/TCP', '60m', '<none>'],
    ],
    [
      'LoadBalancer with ingress and external IPs',
      svc({ type: 'LoadBalancer', clusterIPs: ['10.0.0.12'], externalIPs: ['198.51.100.1'], ports: [http] }, {
        loadBalancer: { ingress: [{ ip: '203.0.113.9' }] },
      }),
      ['web', 'LoadBalancer', '10.0.0.12', '203.0.113.9,198.51.100.1', '80/TCP', '60m', '<none>'],
    ],
    [
      'ExternalName without ports',
      svc({ type: 'ExternalName', externalName: 'db.example.com' }),
      ['web', 'ExternalName', '<none>', 'db.example.com', '<none>', '60m', '<none>'],
    ],
    [
      'only spec.clusterIP set',
      svc({ type: 'ClusterIP', clusterIP: '10.0.0.13', ports: [http] }),
      ['web', 'ClusterIP', '10.0.0.13', '<none>', '80/TCP', '60m', '<none>'],
    ],
  ])('%s', (_name, s, want) => {
    expect(servicePrinter.print(s, NOW).cells).toEqual(want);
  });
});

describe('endpointsPrinter', () => {
  const addr = (ip: string) => ({ ip, nodeName: 'node-1' });
  const ep = (subsets?: Endpoints['subsets']): Endpoints =>
    ({ kind: 'Endpoints', apiVersion: 'v1', metadata: meta, ...(subsets ? { subsets } : {}) }) as Endpoints;

  it.each<[string, Endpoints, string]>([
    ['no subsets', ep(), '<none>'],
    ['one address', ep([{ addresses: [addr('10.244.1.5')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]), '10.244.1.5:8080'],
    [
      'more than three addresses',
      ep([
        {
          addresses: ['10.244.1.5', '10.244.1.6', '10.244.2.7', '10.244.2.8', '10.244.3.9'].map(addr),
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      ]),
      '10.244.1.5:8080,10.244.1.6:8080,10.244.2.7:8080 + 2 more...',
    ],
    [
      'addresses × ports, across subsets',
      ep([
        { addresses: [addr('10.244.1.5'), addr('10.244.1.6')], ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] },
        { addresses: [addr('10.244.2.7')], ports: [{ name: 'http', port: 8080 }] },
      ]),
      '10.244.1.5:80,10.244.1.6:80,10.244.1.5:443 + 2 more...',
    ],
    ['exactly three', ep([{ addresses: [addr('10.0.0.1'), addr('10.0.0.2'), addr('10.0.0.3')], ports: [{ port: 1 }] }]), '10.0.0.1:1,10.0.0.2:1,10.0.0.3:1'],
    ['IPv6 address', ep([{ addresses: [addr('fd00::5')], ports: [{ port: 8080 }] }]), '[fd00::5]:8080'],
    ['headless service without ports', ep([{ addresses: [addr('10.244.1.5'), addr('10.244.1.6')] }]), '10.244.1.5,10.244.1.6'],
    ['only not-ready addresses', ep([{ notReadyAddresses: [addr('10.244.1.5')], ports: [{ port: 8080 }] }]), ''],
  ])('%s', (_name, e, want) => {
    expect(endpointsPrinter.print(e, NOW).cells).toEqual(['web', want, '60m']);
  });
});
