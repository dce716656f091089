/** Service and Endpoints validation. */
import type { FieldError } from '../errors/index.js';
import type { EndpointAddress, EndpointPort, Endpoints, Service } from '../types/index.js';
import {
  IP_FAMILIES,
  IP_FAMILY_POLICIES,
  PROTOCOLS,
  SERVICE_TYPES,
  SESSION_AFFINITIES,
  TRAFFIC_POLICIES,
} from '../types/enums.js';
import { field, invalidEach } from './field.js';
import { nameIsDNS1035Label, nameIsDNSSubdomain, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validatePortNumOrName } from './pod.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  isValidPortNum,
} from './strings.js';

const has = (list: readonly string[], v: string) => list.includes(v);
const CLIENT_IP_MAX_TIMEOUT = 86400;

function validateProtocol(protocol: string | undefined, path: string): FieldError[] {
  if (!protocol) return [field.required(path)];
  return has(PROTOCOLS, protocol) ? [] : [field.notSupported(path, protocol, PROTOCOLS)];
}

function validateClusterIPs(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const errs: FieldError[] = [];
  const ip = spec.clusterIP ?? '';
  if (ip && ip !== 'None' && isValidIP(ip).length) {
    errs.push(field.invalid('spec.clusterIP', ip, "must be empty, 'None', or a valid IP address"));
  }
  const ips = spec.clusterIPs ?? [];
  if (ip && ips.length && ips[0] !== ip) errs.push(field.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  ips.forEach((v, i) => {
    if (v === 'None') {
      if (i > 0 || ips.length > 1) errs.push(field.invalid(`spec.clusterIPs[${i}]`, v, "'None' must be the first and only value"));
    } else if (isValidIP(v).length) {
      errs.push(field.invalid(`spec.clusterIPs[${i}]`, v, "must be empty, 'None', or a valid IP address"));
    }
  });
  return errs;
}

function validateServiceSpec(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const errs: FieldError[] = [];
  const type = spec.type ?? '';
  const headless = spec.clusterIP === 'None';
  const ports = spec.ports ?? [];

  if (!type) errs.push(field.required('spec.type'));
  else if (!has(SERVICE_TYPES, type)) errs.push(field.notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ExternalName') {
    if (spec.clusterIP || spec.clusterIPs?.length) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    const name = (spec.externalName ?? '').replace(/\.$/, '');
    if (!name) errs.push(field.required('spec.externalName'));
    else errs.push(...invalidEach('spec.externalName', spec.externalName, isDNS1123Subdomain(name)));
  } else {
    errs.push(...validateClusterIPs(svc));
    if (ports.length === 0 && !headless) errs.push(field.required('spec.ports'));
  }

  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((sp, i) => {
    const p = `spec.ports[${i}]`;
    if (ports.length > 1 && !sp.name) errs.push(field.required(`${p}.name`));
    else if (sp.name) {
      // Upstream checks service and endpoint port names as DNS-1123 labels (kubectl names them `80-8080`);
      // the IANA_SVC_NAME rule (at least one letter) is for container ports.
      errs.push(...invalidEach(`${p}.name`, sp.name, isDNS1123Label(sp.name)));
      if (names.has(sp.name)) errs.push(field.duplicate(`${p}.name`, sp.name));
      names.add(sp.name);
    }
    errs.push(...invalidEach(`${p}.port`, sp.port, isValidPortNum(sp.port)));
    errs.push(...validateProtocol(sp.protocol, `${p}.protocol`));
    errs.push(...validatePortNumOrName(sp.targetPort, `${p}.targetPort`));
    if (sp.appProtocol) errs.push(...invalidEach(`${p}.appProtocol`, sp.appProtocol, isQualifiedName(sp.appProtocol)));
    const key = `${sp.port}/${sp.protocol ?? 'TCP'}`;
    if (portKeys.has(key)) errs.push(field.duplicate(p, key));
    portKeys.add(key);
    if (sp.nodePort) {
      if (type === 'ClusterIP' || type === 'ExternalName') {
        errs.push(field.forbidden(`${p}.nodePort`, `may not be used when \`type\` is '${type}'`));
      } else {
        errs.push(...invalidEach(`${p}.nodePort`, sp.nodePort, isValidPortNum(sp.nodePort)));
        const nk = `${sp.nodePort}/${sp.protocol ?? 'TCP'}`;
        if (nodePorts.has(nk)) errs.push(field.duplicate(`${p}.nodePort`, nk));
        nodePorts.add(nk);
      }
    }
  });

  errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = spec.sessionAffinity ?? '';
  if (!affinity) errs.push(field.required('spec.sessionAffinity'));
  else if (!has(SESSION_AFFINITIES, affinity)) errs.push(field.notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (t === undefined || t <= 0 || t > CLIENT_IP_MAX_TIMEOUT) {
      errs.push(
        field.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t ?? null, `must be greater than 0 and less than ${CLIENT_IP_MAX_TIMEOUT}`),
      );
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(field.invalid('spec.sessionAffinityConfig', spec.sessionAffinityConfig, `must not be set when session affinity is None`));
  }

  (spec.externalIPs ?? []).forEach((ip, i) => errs.push(...invalidEach(`spec.externalIPs[${i}]`, ip, isValidIP(ip))));

  const ext = spec.externalTrafficPolicy ?? '';
  if (type === 'NodePort' || type === 'LoadBalancer') {
    if (!ext) errs.push(field.required('spec.externalTrafficPolicy'));
    else if (!has(TRAFFIC_POLICIES, ext)) errs.push(field.notSupported('spec.externalTrafficPolicy', ext, TRAFFIC_POLICIES));
  } else if (ext) {
    errs.push(field.invalid('spec.externalTrafficPolicy', ext, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
  }
  const internal = spec.internalTrafficPolicy;
  if (type !== 'ExternalName') {
    if (!internal) errs.push(field.required('spec.internalTrafficPolicy'));
    else if (!has(TRAFFIC_POLICIES, internal)) errs.push(field.notSupported('spec.internalTrafficPolicy', internal, TRAFFIC_POLICIES));
  }
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (!has(IP_FAMILIES, f)) errs.push(field.notSupported(`spec.ipFamilies[${i}]`, f, IP_FAMILIES));
  });
  if (spec.ipFamilyPolicy && !has(IP_FAMILY_POLICIES, spec.ipFamilyPolicy)) {
    errs.push(field.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  if (spec.loadBalancerIP) {
    if (type !== 'LoadBalancer') errs.push(field.forbidden('spec.loadBalancerIP', "may only be used when `type` is 'LoadBalancer'"));
    else errs.push(...invalidEach('spec.loadBalancerIP', spec.loadBalancerIP, isValidIP(spec.loadBalancerIP)));
  }
  (spec.loadBalancerSourceRanges ?? []).forEach((r, i) => {
    errs.push(...invalidEach(`spec.loadBalancerSourceRanges[${i}]`, r, isValidCIDR(r.trim())));
  });
  return errs;
}

export function validateService(svc: Service): FieldError[] {
  return [...validateObjectMeta(svc.metadata, { namespaced: true, nameFn: nameIsDNS1035Label }), ...validateServiceSpec(svc)];
}

/**
 * Update rules: the allocated cluster IP may not change (except when switching to or from
 * ExternalName). As upstream, the registry copies the old clusterIP into an update that omits it.
 */
export function validateServiceUpdate(next: Service, prev: Service): FieldError[] {
  const errs = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateServiceSpec(next)];
  const oldIP = prev.spec?.clusterIP ?? '';
  const externalName = next.spec?.type === 'ExternalName' || prev.spec?.type === 'ExternalName';
  if (oldIP && !externalName && (next.spec?.clusterIP ?? '') !== oldIP) {
    errs.push(field.invalid('spec.clusterIP', next.spec?.clusterIP ?? '', 'field is immutable'));
  }
  return errs;
}

// --- Endpoints --------------------------------------------------------------------------------

/*
 * Deliberate difference from upstream: loopback and link-local addresses are accepted, because
 * tskube's fake runtime and our single-host tests serve pods on 127.0.0.0/8.
 */
function validateEndpointAddress(a: EndpointAddress, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!a.ip) errs.push(field.required(`${path}.ip`));
  else errs.push(...invalidEach(`${path}.ip`, a.ip, isValidIP(a.ip)));
  if (a.hostname) errs.push(...invalidEach(`${path}.hostname`, a.hostname, isDNS1123Label(a.hostname)));
  if (a.nodeName) errs.push(...invalidEach(`${path}.nodeName`, a.nodeName, isDNS1123Subdomain(a.nodeName)));
  return errs;
}

function validateEndpointPort(port: EndpointPort, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !port.name) errs.push(field.required(`${path}.name`));
  else if (port.name) errs.push(...invalidEach(`${path}.name`, port.name, isDNS1123Label(port.name)));
  errs.push(...invalidEach(`${path}.port`, port.port, isValidPortNum(port.port)));
  errs.push(...validateProtocol(port.protocol, `${path}.protocol`));
  return errs;
}

function validateSubsets(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    if (!ss.addresses?.length && !ss.notReadyAddresses?.length) {
      errs.push(field.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    (ss.addresses ?? []).forEach((a, j) => errs.push(...validateEndpointAddress(a, `${p}.addresses[${j}]`)));
    (ss.notReadyAddresses ?? []).forEach((a, j) => errs.push(...validateEndpointAddress(a, `${p}.notReadyAddresses[${j}]`)));
    const ports = ss.ports ?? [];
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, `${p}.ports[${j}]`)));
  });
  return errs;
}

export function validateEndpoints(ep: Endpoints): FieldError[] {
  return [...validateObjectMeta(ep.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateSubsets(ep)];
}

export function validateEndpointsUpdate(next: Endpoints, prev: Endpoints): FieldError[] {
  return [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateSubsets(next)];
}
