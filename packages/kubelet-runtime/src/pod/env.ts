/**
 * A container's environment as the kubelet computes it: the seed-era service variables
 * (`<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT` and the docker-links style `<SVC>_PORT_*`), then
 * the container's own `env` (which wins), with `valueFrom.fieldRef` and `valueFrom.resourceFieldRef`
 * resolved and `$(VAR)` references expanded as upstream.
 */
import { parseQuantity, type Container, type Pod, type Quantity, type QuantityValue, type ResourceFieldSelector, type ResourceList, type Service } from '@tskube/api-types';

export interface EnvContext {
  nodeName: string;
  hostIP: string;
  podIP: string;
  /** The node's allocatable: what `limits.*` of a container without that limit resolves to. */
  allocatable?: ResourceList;
}

export interface EnvVarValue {
  name: string;
  value: string;
}

const envName = (s: string): string => s.toUpperCase().replace(/-/g, '_');

const hasClusterIP = (s: Service): boolean => {
  const ip = s.spec?.clusterIP;
  return !!ip && ip !== 'None';
};

/** The variables one service contributes (upstream pkg/kubelet/envvars FromServices). */
export function serviceEnv(service: Service): EnvVarValue[] {
  const out: EnvVarValue[] = [];
  const ports = service.spec?.ports ?? [];
  const ip = service.spec?.clusterIP ?? '';
  const name = envName(service.metadata?.name ?? '');
  const first = ports[0];
  if (!first) return out;
  out.push({ name: `${name}_SERVICE_HOST`, value: ip });
  out.push({ name: `${name}_SERVICE_PORT`, value: String(first.port) });
  for (const p of ports) if (p.name) out.push({ name: `${name}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
  // Docker links compatibility.
  const proto = (p: { protocol?: string }) => (p.protocol ?? 'TCP').toLowerCase();
  out.push({ name: `${name}_PORT`, value: `${proto(first)}://${ip}:${first.port}` });
  for (const p of ports) {
    const prefix = `${name}_PORT_${p.port}_${proto(p).toUpperCase()}`;
    out.push({ name: prefix, value: `${proto(p)}://${ip}:${p.port}` });
    out.push({ name: `${prefix}_PROTO`, value: proto(p) });
    out.push({ name: `${prefix}_PORT`, value: String(p.port) });
    out.push({ name: `${prefix}_ADDR`, value: ip });
  }
  return out;
}

/**
 * The services whose variables a pod gets: those of its namespace when enableServiceLinks is
 * on, and always the master service `default/kubernetes` (a same-named service of the pod's
 * namespace wins).
 */
export function servicesForPod(pod: Pod, services: readonly Service[]): Service[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks ?? true;
  const byName = new Map<string, Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const sns = s.metadata?.namespace ?? 'default';
    const name = s.metadata?.name ?? '';
    if (sns === 'default' && name === 'kubernetes' && !byName.has(name)) byName.set(name, s);
  }
  if (links) for (const s of services) if (hasClusterIP(s) && (s.metadata?.namespace ?? 'default') === ns) byName.set(s.metadata?.name ?? '', s);
  return [...byName.values()].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** `metadata.name`, `status.podIP`, `metadata.labels['x']`, ... (upstream podFieldSelectorRuntimeValue). */
export function fieldRefValue(pod: Pod, path: string, ctx: EnvContext): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName || ctx.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    default:
      throw new Error(`unsupported fieldRef ${path}`);
  }
}

const quantity = (v: QuantityValue | undefined): Quantity | undefined => (v === undefined ? undefined : parseQuantity(v));

/** ceil(a / b) for a ≥ 0, b > 0. */
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/**
 * A container's `limits.cpu`, `requests.memory`, ... for `valueFrom.resourceFieldRef` (upstream
 * ExtractContainerResourceValue after defaultPodLimitsForDownwardAPI): in units of `divisor`
 * (default 1) rounded up; cpu counted in millicores first, so `250m` is `1` and `250` with a
 * `1m` divisor. A limit that is unset (or zero) is the node's allocatable; an unset request is 0.
 * `containerName` picks another container of the pod.
 */
export function resourceFieldRefValue(pod: Pod, container: Container, ref: ResourceFieldSelector, allocatable: ResourceList = {}): string {
  let target = container;
  if (ref.containerName) {
    const found = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName);
    if (!found) throw new Error(`container ${ref.containerName} not found`);
    target = found;
  }
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(ref.resource);
  if (!m) throw new Error(`unsupported container resource : ${ref.resource}`);
  const [, kind, name] = m as unknown as [string, 'limits' | 'requests', string];
  let q = quantity(target.resources?.[kind]?.[name]);
  if (kind === 'limits' && (!q || q.isZero())) q = quantity(allocatable[name]);
  const divisor = quantity(ref.divisor);
  const d = !divisor || divisor.isZero() ? parseQuantity(1) : divisor;
  if (!q || q.sign() <= 0) return '0';
  return String(name === 'cpu' ? ceilDiv(q.milliValue(), d.milliValue()) : ceilDiv(q.value(), d.value()));
}

/** Expands `$(VAR)` from `vars`; `$$(VAR)` escapes; unknown references stay as written (upstream expansion). */
export function expandVars(s: string, vars: ReadonlyMap<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    return name !== undefined && vars.has(name) ? vars.get(name)! : all;
  });
}

export function containerEnv(pod: Pod, container: Container, services: readonly Service[], ctx: EnvContext): EnvVarValue[] {
  const vars = new Map<string, string>();
  for (const s of servicesForPod(pod, services)) for (const e of serviceEnv(s)) vars.set(e.name, e.value);
  for (const e of container.env ?? []) {
    let value: string;
    if (e.valueFrom?.fieldRef) value = fieldRefValue(pod, e.valueFrom.fieldRef.fieldPath, ctx);
    else if (e.valueFrom?.resourceFieldRef) value = resourceFieldRefValue(pod, container, e.valueFrom.resourceFieldRef, ctx.allocatable);
    else if (e.valueFrom) throw new Error(`env ${e.name}: only value, valueFrom.fieldRef and valueFrom.resourceFieldRef are supported`);
    else value = expandVars(e.value ?? '', vars);
    vars.delete(e.name); // an explicit variable moves to the end, after what it may reference
    vars.set(e.name, value);
  }
  return [...vars].map(([name, value]) => ({ name, value }));
}

/** command/args with `$(VAR)` expanded from the container's environment. */
export function expandCommand(args: readonly string[] | undefined, env: readonly EnvVarValue[]): string[] | undefined {
  if (!args) return undefined;
  const vars = new Map(env.map((e) => [e.name, e.value]));
  return args.map((a) => expandVars(a, vars));
}
