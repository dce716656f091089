import { describe, expect, it } from 'vitest';
import { defaultEndpoints, defaultService } from '../defaults/index.js';
import type { Endpoints, Service } from '../types/index.js';
import { validateEndpoints, validateEndpointsUpdate, validateService, validateServiceUpdate } from './service.js';

const validService = (): Service =>
  defaultService({
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
type Mutator = (s: Service) => void;
const spec = (s: Service) => s.spec!;
const port0 = (s: Service) => s.spec!.ports![0]!;

describe('validateService', () => {
  it('accepts a valid defaulted service', () => {
    expect(validateService(validService())).toEqual([]);
  });

  const rows: [string, Mutator, Mutator, string, string][] = [
    ['name is a DNS-1035 label', (s) => (s.metadata!.name = 'web-2'), (s) => (s.metadata!.name = '2web'), 'metadata.name', 'FieldValueInvalid'],
    ['ports required unless headless', (s) => Object.assign(spec(s), { ports: [], clusterIP: 'None' }), (s) => (spec(s).ports = []), 'spec.ports', 'FieldValueRequired'],
    ['ports not required for ExternalName', (s) => Object.assign(spec(s), { ports: [], type: 'ExternalName', externalName: 'db.example.com', internalTrafficPolicy: undefined }), (s) => Object.assign(spec(s), { type: 'ExternalName', externalName: '' }), 'spec.externalName', 'FieldValueRequired'],
    ['port range', (s) => (port0(s).port = 65535), (s) => (port0(s).port = 0), 'spec.ports[0].port', 'FieldValueInvalid'],
    ['port names required when several', (s) => spec(s).ports!.push({ name: 'https', port: 443, protocol: 'TCP', targetPort: 443 }), (s) => spec(s).ports!.push({ port: 443, protocol: 'TCP', targetPort: 443 }), 'spec.ports[1].name', 'FieldValueRequired'],
    ['port names unique', (s) => spec(s).ports!.push({ name: 'b', port: 81, protocol: 'TCP', targetPort: 81 }), (s) => spec(s).ports!.push({ name: 'http', port: 81, protocol: 'TCP', targetPort: 81 }), 'spec.ports[1].name', 'FieldValueDuplicate'],
    ['port name is a DNS-1123 label (kubectl create service names it 80-8080)', (s) => (port0(s).name = '80-8080'), (s) => (port0(s).name = 'Web_Port'), 'spec.ports[0].name', 'FieldValueInvalid'],
    ['targetPort number', (s) => (port0(s).targetPort = 8080), (s) => (port0(s).targetPort = 70000), 'spec.ports[0].targetPort', 'FieldValueInvalid'],
    ['targetPort name', (s) => (port0(s).targetPort = 'web-http'), (s) => (port0(s).targetPort = 'Not_A_Name'), 'spec.ports[0].targetPort', 'FieldValueInvalid'],
    ['protocol', (s) => (port0(s).protocol = 'UDP'), (s) => (port0(s).protocol = 'HTTP'), 'spec.ports[0].protocol', 'FieldValueNotSupported'],
    ['nodePort only for NodePort/LoadBalancer', (s) => Object.assign(spec(s), { type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ ...port0(s), nodePort: 30080 }] }), (s) => (port0(s).nodePort = 30080), 'spec.ports[0].nodePort', 'FieldValueForbidden'],
    ['clusterIP None or an IP', (s) => (spec(s).clusterIP = '10.0.0.10'), (s) => (spec(s).clusterIP = '10.0.0.300'), 'spec.clusterIP', 'FieldValueInvalid'],
    ['type', (s) => Object.assign(spec(s), { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }), (s) => (spec(s).type = 'Internal'), 'spec.type', 'FieldValueNotSupported'],
    ['sessionAffinity', (s) => Object.assign(spec(s), { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), (s) => (spec(s).sessionAffinity = 'Sticky'), 'spec.sessionAffinity', 'FieldValueNotSupported'],
    ['selector labels', (s) => (spec(s).selector = { 'app.kubernetes.io/name': 'web' }), (s) => (spec(s).selector = { app: 'not valid' }), 'spec.selector', 'FieldValueInvalid'],
    ['externalIPs', (s) => (spec(s).externalIPs = ['192.0.2.1']), (s) => (spec(s).externalIPs = ['nope']), 'spec.externalIPs[0]', 'FieldValueInvalid'],
  ];
  it.each(rows)('%s: passes', (_rule, pass) => {
    const s = validService();
    pass(s);
    expect(validateService(s)).toEqual([]);
  });
  it.each(rows)('%s: fails', (_rule, _pass, fail, path, type) => {
    const s = validService();
    fail(s);
    expect(validateService(s)).toContainEqual(expect.objectContaining({ field: path, type }));
  });
});

describe('validateServiceUpdate', () => {
  const old = () => {
    const s = validService();
    s.metadata!.resourceVersion = '2';
    s.spec!.clusterIP = '10.0.0.10';
    return s;
  };
  it.each<[string, Mutator, string | undefined]>([
    ['selector change', (s) => (spec(s).selector = { app: 'web2' }), undefined],
    ['clusterIP change', (s) => (spec(s).clusterIP = '10.0.0.11'), 'spec.clusterIP'],
    ['clusterIP removal', (s) => delete spec(s).clusterIP, 'spec.clusterIP'],
  ])('%s', (_name, change, path) => {
    const prev = old();
    const next = structuredClone(prev);
    change(next);
    const errs = validateServiceUpdate(next, prev);
    if (path === undefined) expect(errs).toEqual([]);
    else expect(errs).toContainEqual(expect.objectContaining({ field: path, message: expect.stringContaining('field is immutable') }));
  });
});

const validEndpoints = (): Endpoints =>
  defaultEndpoints({
    metadata: { name: 'web', namespace: 'default' },
    subsets: [
      {
        addresses: [{ ip: '10.1.0.4', nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default' } }],
        notReadyAddresses: [{ ip: '10.1.0.5' }],
        ports: [{ port: 8080 }],
      },
    ],
  });
type EpMutator = (e: Endpoints) => void;
const subset = (e: Endpoints) => e.subsets![0]!;

describe('validateEndpoints', () => {
  const rows: [string, EpMutator, EpMutator, string, string][] = [
    ['address ip', (e) => (subset(e).addresses![0]!.ip = 'fd00::4'), (e) => (subset(e).addresses![0]!.ip = 'pod-ip'), 'subsets[0].addresses[0].ip', 'FieldValueInvalid'],
    ['addresses required', (e) => delete subset(e).notReadyAddresses, (e) => Object.assign(subset(e), { addresses: [], notReadyAddresses: [] }), 'subsets[0]', 'FieldValueRequired'],
    ['port range', (e) => (subset(e).ports![0]!.port = 1), (e) => (subset(e).ports![0]!.port = 0), 'subsets[0].ports[0].port', 'FieldValueInvalid'],
    ['port names required when several', (e) => (subset(e).ports = [{ name: 'a', port: 1, protocol: 'TCP' }, { name: 'b', port: 2, protocol: 'UDP' }]), (e) => (subset(e).ports = [{ name: 'a', port: 1, protocol: 'TCP' }, { port: 2, protocol: 'UDP' }]), 'subsets[0].ports[1].name', 'FieldValueRequired'],
    ['port name is a DNS-1123 label', (e) => (subset(e).ports![0]!.name = '80-8080'), (e) => (subset(e).ports![0]!.name = 'Web_Port'), 'subsets[0].ports[0].name', 'FieldValueInvalid'],
    ['port protocol', (e) => (subset(e).ports![0]!.protocol = 'SCTP'), (e) => (subset(e).ports![0]!.protocol = 'IP'), 'subsets[0].ports[0].protocol', 'FieldValueNotSupported'],
  ];
  it.each(rows)('%s: passes', (_rule, pass) => {
    const e = validEndpoints();
    pass(e);
    expect(validateEndpoints(e)).toEqual([]);
  });
  it.each(rows)('%s: fails', (_rule, _pass, fail, path, type) => {
    const e = validEndpoints();
    fail(e);
    expect(validateEndpoints(e)).toContainEqual(expect.objectContaining({ field: path, type }));
  });

  it('accepts loopback addresses (fake runtime), unlike upstream', () => {
    const e = validEndpoints();
    subset(e).addresses![0]!.ip = '127.0.0.2';
    expect(validateEndpoints(e)).toEqual([]);
  });

  it('validates the new object on update', () => {
    const prev = validEndpoints();
    prev.metadata!.resourceVersion = '1';
    const next = structuredClone(prev);
    subset(next).ports![0]!.port = 99999;
    expect(validateEndpointsUpdate(next, prev).map((x) => x.field)).toEqual(['subsets[0].ports[0].port']);
  });
});
