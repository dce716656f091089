/**
 * Pod defaults, as pkg/apis/core/v1/defaults.go applies them when an object is decoded
 * (create and update alike). Status initialisation on create is a separate step,
 * defaultPodStatusOnCreate, because upstream does it in the pod strategy, not in defaulting.
 */
import type {
  Container,
  HTTPGetAction,
  LifecycleHandler,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  ResourceRequirements,
  Volume,
} from '../types/index.js';
import { VOLUME_SOURCES } from '../schemas/pod.js';
import { parseQuantity, type Quantity } from '../quantity/index.js';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
/** 0644, the mode of files projected from secrets, config maps and the downward API. */
export const DEFAULT_VOLUME_MODE = 0o644;

/** The tag of an image reference: `latest` when none is given, `''` when pinned by digest. */
export function imageTag(image: string): string {
  if (image.includes('@')) return '';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon === -1 ? 'latest' : image.slice(colon + 1);
}

function defaultHTTPGet(h: HTTPGetAction | undefined): void {
  if (!h) return;
  h.path ||= '/';
  h.scheme ||= 'HTTP';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  defaultHTTPGet(p.httpGet);
}

function defaultHandler(h: LifecycleHandler | undefined): void {
  if (h) defaultHTTPGet(h.httpGet);
}

export function defaultContainer(c: Container): Container {
  if (!c.imagePullPolicy) {
    c.imagePullPolicy = imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c.terminationMessagePath ||= DEFAULT_TERMINATION_MESSAGE_PATH;
  c.terminationMessagePolicy ||= 'File';
  for (const p of c.ports ?? []) p.protocol ||= 'TCP';
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.fieldRef;
    if (ref) ref.apiVersion ||= 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
  return c;
}

export function defaultVolume(v: Volume): Volume {
  // A volume with no source is an emptyDir, as upstream's SetDefaults_Volume decides.
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined)) v.emptyDir = {};
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.secret) v.secret.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_VOLUME_MODE;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
  }
  if (v.projected) v.projected.defaultMode ??= DEFAULT_VOLUME_MODE;
  return v;
}

/** Defaults shared by pods and pod templates (SetDefaults_PodSpec and the per-item defaulters). */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  spec.containers ??= [];
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.schedulerName ||= DEFAULT_SCHEDULER_NAME;
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  return spec;
}

/** Requests default to limits for each resource that has a limit but no request. */
export function defaultRequestsFromLimits(r: ResourceRequirements | undefined): void {
  if (!r?.limits) return;
  for (const [name, q] of Object.entries(r.limits)) {
    r.requests ??= {};
    if (r.requests[name] === undefined) r.requests[name] = q;
  }
}

export function defaultPod(pod: Pod): Pod {
  const spec = (pod.spec ??= { containers: [] });
  defaultPodSpec(spec);
  spec.enableServiceLinks ??= true;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    defaultRequestsFromLimits(c.resources);
    if (spec.hostNetwork) for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
  }
  return pod;
}

export function defaultPodTemplateSpec(t: PodTemplateSpec): PodTemplateSpec {
  defaultPodSpec((t.spec ??= { containers: [] }));
  return t;
}

/**
 * What the pod strategy sets on create (upstream's PrepareForCreate): a fresh status with phase
 * Pending and the QoS class. The registry calls this on create only; updates keep the status.
 */
export function defaultPodStatusOnCreate(pod: Pod): Pod {
  pod.status = { phase: 'Pending', qosClass: podQOSClass(pod) };
  return pod;
}

const QOS_RESOURCES = ['cpu', 'memory'] as const;

function quantity(v: string | number | undefined): Quantity | undefined {
  if (v === undefined) return undefined;
  try {
    const q = parseQuantity(v);
    return q.isZero() ? undefined : q;
  } catch {
    return undefined; // validation reports it
  }
}

/**
 * The pod's QoS class (upstream's GetPodQOS): Guaranteed when every container has cpu and memory
 * limits equal to its requests, BestEffort when no container asks for cpu or memory at all,
 * Burstable otherwise. Requests missing for a limited resource count as equal to the limit, as
 * defaulting makes them.
 */
export function podQOSClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = { ...limits, ...c.resources?.requests };
    for (const r of QOS_RESOURCES) {
      const req = quantity(requests[r]);
      const lim = quantity(limits[r]);
      if (req || lim) anySet = true;
      if (!lim || !req || req.cmp(lim) !== 0) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
