/** Pod and PodSpec validation (pkg/apis/core/validation, the parts tskube implements). */
import type { FieldError } from '../errors/index.js';
import { parseQuantity, type Quantity } from '../quantity/index.js';
import { VOLUME_SOURCES } from '../schemas/pod.js';
import type {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  HTTPGetAction,
  IntOrString,
  KeyToPath,
  LifecycleHandler,
  Pod,
  PodSpec,
  Probe,
  ResourceRequirements,
  Toleration,
  Volume,
  VolumeMount,
} from '../types/index.js';
import {
  DNS_POLICIES,
  HOST_PATH_TYPES,
  POD_PHASES,
  PREEMPTION_POLICIES,
  PROTOCOLS,
  PULL_POLICIES,
  RESTART_POLICIES,
  TAINT_EFFECTS,
  TERMINATION_MESSAGE_POLICIES,
  URI_SCHEMES,
} from '../types/enums.js';
import { deepEqual, field, invalidEach, nonNegative } from './field.js';
import { nameIsDNSSubdomain, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from './strings.js';

const MAX_INT32 = 2 ** 31 - 1;
const MOUNT_PROPAGATIONS = ['None', 'HostToContainer', 'Bidirectional'] as const;
const OVERCOMMIT_FORBIDDEN = (name: string) => name.startsWith('hugepages-') || (name.includes('/') && !name.startsWith('kubernetes.io/'));
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations',
  'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const ENV_RESOURCE_FIELDS = [
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
];
const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

// --- small helpers ----------------------------------------------------------------------------

/** A port given as number or IANA name (probes, service targetPort). */
export function validatePortNumOrName(port: IntOrString | undefined, path: string): FieldError[] {
  if (typeof port === 'number') return invalidEach(path, port, isValidPortNum(port));
  if (typeof port === 'string') return invalidEach(path, port, isValidPortName(port));
  return [field.required(path)];
}

/** A relative path that does not climb out of its volume (`items[*].path`, `subPath`). */
function validateLocalDescendingPath(p: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(field.invalid(path, p, 'must be a relative path'));
  if (p.split('/').includes('..')) errs.push(field.invalid(path, p, "must not contain '..'"));
  return errs;
}

function parseQ(value: string | number, path: string, errs: FieldError[]): Quantity | undefined {
  try {
    return parseQuantity(value);
  } catch {
    errs.push(field.invalid(path, value, QUANTITY_FORMAT_MESSAGE));
    return undefined;
  }
}

// --- volumes ----------------------------------------------------------------------------------

function validateKeyToPaths(items: KeyToPath[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (items ?? []).forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (!item.key) errs.push(field.required(`${p}.key`));
    if (!item.path) errs.push(field.required(`${p}.path`));
    else errs.push(...validateLocalDescendingPath(item.path, `${p}.path`));
    errs.push(...validateMode(item.mode, `${p}.mode`));
  });
  return errs;
}

function validateMode(mode: number | undefined, path: string): FieldError[] {
  if (mode === undefined || (mode >= 0 && mode <= 0o777)) return [];
  return [field.invalid(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

function validateVolumeSource(v: Volume, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const present = VOLUME_SOURCES.filter((k) => v[k] !== undefined);
  if (present.length === 0) return [field.required(path, 'must specify a volume type')];
  for (const extra of present.slice(1)) errs.push(field.forbidden(`${path}.${extra}`, 'may not specify more than 1 volume type'));
  if (v.hostPath) {
    if (!v.hostPath.path) errs.push(field.required(`${path}.hostPath.path`));
    const t = v.hostPath.type ?? '';
    if (!(HOST_PATH_TYPES as readonly string[]).includes(t)) errs.push(field.notSupported(`${path}.hostPath.type`, t, HOST_PATH_TYPES));
  }
  if (v.emptyDir?.sizeLimit !== undefined) {
    const q = parseQ(v.emptyDir.sizeLimit, `${path}.emptyDir.sizeLimit`, errs);
    if (q && q.sign() < 0) errs.push(field.invalid(`${path}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit, 'must be greater than or equal to 0'));
  }
  if (v.secret) {
    if (!v.secret.secretName) errs.push(field.required(`${path}.secret.secretName`));
    errs.push(...validateMode(v.secret.defaultMode, `${path}.secret.defaultMode`));
    errs.push(...validateKeyToPaths(v.secret.items, `${path}.secret.items`));
  }
  if (v.configMap) {
    if (!v.configMap.name) errs.push(field.required(`${path}.configMap.name`));
    errs.push(...validateMode(v.configMap.defaultMode, `${path}.configMap.defaultMode`));
    errs.push(...validateKeyToPaths(v.configMap.items, `${path}.configMap.items`));
  }
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) {
    errs.push(field.required(`${path}.persistentVolumeClaim.claimName`));
  }
  if (v.downwardAPI) {
    errs.push(...validateMode(v.downwardAPI.defaultMode, `${path}.downwardAPI.defaultMode`));
    (v.downwardAPI.items ?? []).forEach((item, i) => {
      const p = `${path}.downwardAPI.items[${i}]`;
      if (!item.path) errs.push(field.required(`${p}.path`));
      else errs.push(...validateLocalDescendingPath(item.path, `${p}.path`));
      if (!item.fieldRef === !item.resourceFieldRef) {
        errs.push(field.invalid(p, 'fieldRef', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
      }
      if (item.fieldRef && !item.fieldRef.fieldPath) errs.push(field.required(`${p}.fieldRef.fieldPath`));
      errs.push(...validateMode(item.mode, `${p}.mode`));
    });
  }
  return errs;
}

/** Returns the errors and the set of valid volume names (for volumeMounts). */
export function validateVolumes(volumes: Volume[] | undefined, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!v.name) errs.push(field.required(`${p}.name`));
    else {
      const nameErrs = invalidEach(`${p}.name`, v.name, isDNS1123Label(v.name));
      errs.push(...nameErrs);
      if (names.has(v.name)) errs.push(field.duplicate(`${p}.name`, v.name));
      else if (nameErrs.length === 0) names.add(v.name);
    }
    errs.push(...validateVolumeSource(v, p));
  });
  return { errs, names };
}

// --- containers -------------------------------------------------------------------------------

function validateContainerPorts(ports: ContainerPort[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port.name) {
      errs.push(...invalidEach(`${p}.name`, port.name, isValidPortName(port.name)));
      if (names.has(port.name)) errs.push(field.duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    if (!port.containerPort) errs.push(field.required(`${p}.containerPort`));
    else errs.push(...invalidEach(`${p}.containerPort`, port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort) errs.push(...invalidEach(`${p}.hostPort`, port.hostPort, isValidPortNum(port.hostPort)));
    if (!port.protocol) errs.push(field.required(`${p}.protocol`));
    else if (!(PROTOCOLS as readonly string[]).includes(port.protocol)) {
      errs.push(field.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
    }
    if (port.hostIP) errs.push(...invalidEach(`${p}.hostIP`, port.hostIP, isValidIP(port.hostIP)));
  });
  return errs;
}

function validateEnv(env: EnvVar[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (env ?? []).forEach((ev, i) => {
    const p = `${path}[${i}]`;
    if (!ev.name) errs.push(field.required(`${p}.name`));
    else errs.push(...invalidEach(`${p}.name`, ev.name, isEnvVarName(ev.name)));
    const from = ev.valueFrom;
    if (!from) return;
    const fp = `${p}.valueFrom`;
    const set = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'] as const).filter(
      (k) => from[k] !== undefined,
    );
    if (ev.value) errs.push(field.invalid(fp, '', 'may not be specified when `value` is not empty'));
    if (set.length === 0) {
      errs.push(field.invalid(fp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    } else if (set.length > 1) {
      errs.push(field.invalid(fp, '', 'may not have more than one field specified at a time'));
    }
    if (from.fieldRef) {
      const fr = from.fieldRef;
      if (!fr.fieldPath) errs.push(field.required(`${fp}.fieldRef.fieldPath`));
      else if (!ENV_FIELD_PATHS.includes(fr.fieldPath) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fr.fieldPath)) {
        errs.push(field.notSupported(`${fp}.fieldRef.fieldPath`, fr.fieldPath, ENV_FIELD_PATHS));
      }
    }
    if (from.resourceFieldRef) {
      const r = from.resourceFieldRef.resource;
      if (!r) errs.push(field.required(`${fp}.resourceFieldRef.resource`));
      else if (!ENV_RESOURCE_FIELDS.includes(r)) errs.push(field.notSupported(`${fp}.resourceFieldRef.resource`, r, ENV_RESOURCE_FIELDS));
      errs.push(...validateResourceDivisor(r, from.resourceFieldRef.divisor, `${fp}.resourceFieldRef`));
    }
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const ref = from[k];
      if (!ref) continue;
      if (!ref.name) errs.push(field.required(`${fp}.${k}.name`));
      if (!ref.key) errs.push(field.required(`${fp}.${k}.key`));
    }
  });
  return errs;
}

const MEMORY_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

/** Upstream validateContainerResourceDivisor: cpu in cores or millicores, memory and storage in one unit of a suffix. */
function validateResourceDivisor(resource: string, divisor: string | number | undefined, path: string): FieldError[] {
  if (divisor === undefined) return [];
  const errs: FieldError[] = [];
  const q = parseQ(divisor, `${path}.divisor`, errs);
  if (!q || q.isZero()) return errs;
  const d = q.toString();
  const what = resource.endsWith('.cpu') ? 'cpu' : resource.endsWith('.memory') ? 'memory' : resource.endsWith('.ephemeral-storage') ? 'local ephemeral storage' : undefined;
  if (what === 'cpu' && d !== '1m' && d !== '1') {
    errs.push(field.invalid(`${path}.divisor`, resource, "only divisor's values 1m and 1 are supported with the cpu resource"));
  } else if (what && what !== 'cpu' && !MEMORY_DIVISORS.includes(d)) {
    errs.push(field.invalid(`${path}.divisor`, resource, `only divisor's values ${MEMORY_DIVISORS.join(', ')} are supported with the ${what} resource`));
  }
  return errs;
}

function validateEnvFrom(envFrom: EnvFromSource[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (envFrom ?? []).forEach((ef, i) => {
    const p = `${path}[${i}]`;
    if (ef.prefix) errs.push(...invalidEach(`${p}.prefix`, ef.prefix, isEnvVarName(ef.prefix)));
    const n = (ef.configMapRef ? 1 : 0) + (ef.secretRef ? 1 : 0);
    if (n === 0) errs.push(field.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(field.invalid(p, '', 'may not have more than one field specified at a time'));
    if (ef.configMapRef && !ef.configMapRef.name) errs.push(field.required(`${p}.configMapRef.name`));
    if (ef.secretRef && !ef.secretRef.name) errs.push(field.required(`${p}.secretRef.name`));
  });
  return errs;
}

function validateVolumeMounts(mounts: VolumeMount[] | undefined, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!m.name) errs.push(field.required(`${p}.name`));
    else if (!volumes.has(m.name)) errs.push(field.notFound(`${p}.name`, m.name));
    if (!m.mountPath) errs.push(field.required(`${p}.mountPath`));
    else {
      if (paths.has(m.mountPath)) errs.push(field.invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, `${p}.subPath`));
    if (m.mountPropagation && !(MOUNT_PROPAGATIONS as readonly string[]).includes(m.mountPropagation)) {
      errs.push(field.notSupported(`${p}.mountPropagation`, m.mountPropagation, MOUNT_PROPAGATIONS));
    }
  });
  return errs;
}

function validateResourceName(name: string, path: string): FieldError[] {
  const errs = invalidEach(path, name, isQualifiedName(name));
  if (errs.length === 0 && !name.includes('/') && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
    errs.push(field.invalid(path, name, 'must be a standard resource for containers'));
  }
  return errs;
}

export function validateResourceRequirements(r: ResourceRequirements | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limits = new Map<string, Quantity>();
  for (const [name, value] of Object.entries(r?.limits ?? {})) {
    const p = `${path}.limits[${name}]`;
    errs.push(...validateResourceName(name, p));
    const q = parseQ(value, p, errs);
    if (!q) continue;
    if (q.sign() < 0) errs.push(field.invalid(p, String(value), 'must be greater than or equal to 0'));
    limits.set(name, q);
  }
  for (const [name, value] of Object.entries(r?.requests ?? {})) {
    const p = `${path}.requests[${name}]`;
    errs.push(...validateResourceName(name, p));
    const q = parseQ(value, p, errs);
    if (!q) continue;
    if (q.sign() < 0) errs.push(field.invalid(p, String(value), 'must be greater than or equal to 0'));
    const limit = limits.get(name);
    if (!limit) continue;
    if (OVERCOMMIT_FORBIDDEN(name) && q.cmp(limit) !== 0) {
      errs.push(field.invalid(`${path}.requests`, q.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
    } else if (q.cmp(limit) > 0) {
      errs.push(field.invalid(`${path}.requests`, q.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
    }
  }
  return errs;
}

function validateHTTPGet(h: HTTPGetAction, path: string): FieldError[] {
  const errs = validatePortNumOrName(h.port, `${path}.port`);
  if (h.scheme && !(URI_SCHEMES as readonly string[]).includes(h.scheme)) {
    errs.push(field.notSupported(`${path}.scheme`, h.scheme, URI_SCHEMES));
  }
  (h.httpHeaders ?? []).forEach((hdr, i) => {
    if (!/^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/.test(hdr.name)) {
      errs.push(field.invalid(`${path}.httpHeaders[${i}].name`, hdr.name, 'a valid HTTP header must consist of alphanumeric characters or \'-\''));
    }
  });
  return errs;
}

/** Exactly one handler; shared by probes and lifecycle hooks. */
function validateHandler(
  h: Probe | LifecycleHandler,
  kinds: readonly ('exec' | 'httpGet' | 'tcpSocket' | 'grpc' | 'sleep')[],
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const rec = h as Record<string, unknown>;
  const present = kinds.filter((k) => rec[k] !== undefined);
  if (present.length === 0) errs.push(field.required(path, 'must specify a handler type'));
  for (const extra of present.slice(1)) errs.push(field.forbidden(`${path}.${extra}`, 'may not specify more than 1 handler type'));
  if (h.exec && !(h.exec.command ?? []).length) errs.push(field.required(`${path}.exec.command`));
  if (h.httpGet) errs.push(...validateHTTPGet(h.httpGet, `${path}.httpGet`));
  if (h.tcpSocket) errs.push(...validatePortNumOrName(h.tcpSocket.port, `${path}.tcpSocket.port`));
  if ('grpc' in h && h.grpc) errs.push(...invalidEach(`${path}.grpc.port`, h.grpc.port, isValidPortNum(h.grpc.port)));
  if ('sleep' in h && h.sleep) errs.push(...nonNegative(`${path}.sleep.seconds`, h.sleep.seconds));
  return errs;
}

function validateProbe(p: Probe | undefined, path: string): FieldError[] {
  if (!p) return [];
  const errs = validateHandler(p, ['exec', 'httpGet', 'tcpSocket', 'grpc'], path);
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.push(...nonNegative(`${path}.${k}`, p[k]));
  }
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds <= 0) {
    errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  return errs;
}

function validateContainer(c: Container, volumes: Set<string>, path: string, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.image) errs.push(field.required(`${path}.image`));
  else if (c.image.trim() !== c.image) errs.push(field.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  const sidecar = init && c.restartPolicy === 'Always';
  if (c.restartPolicy !== undefined) {
    if (!init) errs.push(field.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
    else if (c.restartPolicy !== 'Always') errs.push(field.notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
  }
  if (init && !sidecar) {
    for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const) {
      if (c[k]) errs.push(field.forbidden(`${path}.${k}`, 'may not be set for init containers without restartPolicy=Always'));
    }
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`));
    errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`));
    errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`));
    for (const k of ['livenessProbe', 'startupProbe'] as const) {
      const st = c[k]?.successThreshold;
      if (st !== undefined && st !== 1) errs.push(field.invalid(`${path}.${k}.successThreshold`, st, 'must be 1'));
    }
    for (const k of ['postStart', 'preStop'] as const) {
      const h = c.lifecycle?.[k];
      if (h) errs.push(...validateHandler(h, ['exec', 'httpGet', 'tcpSocket', 'sleep'], `${path}.lifecycle.${k}`));
    }
  }
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  if (!c.imagePullPolicy) errs.push(field.required(`${path}.imagePullPolicy`));
  else if (!(PULL_POLICIES as readonly string[]).includes(c.imagePullPolicy)) {
    errs.push(field.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  if (!c.terminationMessagePolicy) errs.push(field.required(`${path}.terminationMessagePolicy`));
  else if (!(TERMINATION_MESSAGE_POLICIES as readonly string[]).includes(c.terminationMessagePolicy)) {
    errs.push(field.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  return errs;
}

function validateTolerations(tolerations: Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.key) errs.push(...invalidEach(`${p}.key`, t.key, isQualifiedName(t.key)));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(field.invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(field.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case '':
      case 'Equal':
        errs.push(...invalidEach(`${p}.value`, t.value ?? '', isValidLabelValue(t.value ?? '')));
        break;
      case 'Exists':
        if (t.value) errs.push(field.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(field.notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !(TAINT_EFFECTS as readonly string[]).includes(t.effect)) {
      errs.push(field.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    }
  });
  return errs;
}

/** Validates a pod spec (also a template's: pass `spec.template.spec` as the path). */
export function validatePodSpec(spec: PodSpec | undefined, path = 'spec'): FieldError[] {
  if (!spec) return [field.required(path)];
  const errs: FieldError[] = [];
  const { errs: volErrs, names: volumes } = validateVolumes(spec.volumes, `${path}.volumes`);
  errs.push(...volErrs);

  // Container names are unique across init and regular containers.
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  const eachContainer = (list: Container[] | undefined, listPath: string, init: boolean) => {
    (list ?? []).forEach((c, i) => {
      const p = `${listPath}[${i}]`;
      if (!c.name) errs.push(field.required(`${p}.name`));
      else {
        errs.push(...invalidEach(`${p}.name`, c.name, isDNS1123Label(c.name)));
        if (names.has(c.name)) errs.push(field.duplicate(`${p}.name`, c.name));
        names.add(c.name);
      }
      errs.push(...validateContainer(c, volumes, p, init));
      (c.ports ?? []).forEach((port, j) => {
        if (spec.hostNetwork && port.hostPort && port.hostPort !== port.containerPort) {
          errs.push(field.invalid(`${p}.ports[${j}].hostPort`, port.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
        }
        if (!port.hostPort) return;
        const key = `${port.hostIP ? `${port.hostIP}/` : ''}${port.hostPort}/${port.protocol ?? 'TCP'}`;
        if (hostPorts.has(key)) errs.push(field.duplicate(`${p}.ports[${j}].hostPort`, key));
        hostPorts.add(key);
      });
    });
  };
  eachContainer(spec.initContainers, `${path}.initContainers`, true);
  if (!spec.containers?.length) errs.push(field.required(`${path}.containers`));
  eachContainer(spec.containers, `${path}.containers`, false);
  if (spec.ephemeralContainers?.length) {
    errs.push(field.forbidden(`${path}.ephemeralContainers`, 'cannot be set on create'));
  }

  if (!spec.restartPolicy) errs.push(field.required(`${path}.restartPolicy`));
  else if (!(RESTART_POLICIES as readonly string[]).includes(spec.restartPolicy)) {
    errs.push(field.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  const dns = spec.dnsPolicy ?? '';
  if (!(DNS_POLICIES as readonly string[]).includes(dns)) errs.push(field.notSupported(`${path}.dnsPolicy`, dns, DNS_POLICIES));
  if (dns === 'None' && !spec.dnsConfig) {
    errs.push(field.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  if (spec.serviceAccountName) {
    errs.push(...invalidEach(`${path}.serviceAccountName`, spec.serviceAccountName, nameIsDNSSubdomain(spec.serviceAccountName, false)));
  }
  if (spec.nodeName) errs.push(...invalidEach(`${path}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName)));
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > MAX_INT32)) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, `must be between 1 and ${MAX_INT32}, inclusive`));
  }
  errs.push(...nonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds));
  if (spec.hostname) errs.push(...invalidEach(`${path}.hostname`, spec.hostname, isDNS1123Label(spec.hostname)));
  if (spec.subdomain) errs.push(...invalidEach(`${path}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain)));
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  (spec.imagePullSecrets ?? []).forEach((s, i) => {
    if (!s.name) errs.push(field.required(`${path}.imagePullSecrets[${i}].name`));
  });
  (spec.readinessGates ?? []).forEach((g, i) => {
    errs.push(...invalidEach(`${path}.readinessGates[${i}].conditionType`, g.conditionType, isQualifiedName(g.conditionType)));
  });
  (spec.hostAliases ?? []).forEach((a, i) => {
    errs.push(...invalidEach(`${path}.hostAliases[${i}].ip`, a.ip, isValidIP(a.ip)));
  });
  if (spec.preemptionPolicy && !(PREEMPTION_POLICIES as readonly string[]).includes(spec.preemptionPolicy)) {
    errs.push(field.notSupported(`${path}.preemptionPolicy`, spec.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

export function validatePod(pod: Pod): FieldError[] {
  return [
    ...validateObjectMeta(pod.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }),
    ...validatePodSpec(pod.spec, 'spec'),
  ];
}

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Every old toleration must still be there; NoExecute ones may only shorten tolerationSeconds. */
function validateOnlyAddedTolerations(next: Toleration[] | undefined, prev: Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const old of prev ?? []) {
    const kept = (next ?? []).some((t) => {
      const { tolerationSeconds: a, ...restNew } = t;
      const { tolerationSeconds: b, ...restOld } = old;
      if (!deepEqual(restNew, restOld)) return false;
      if (a === b) return true;
      return old.effect === 'NoExecute' && a !== undefined && b !== undefined && a <= b;
    });
    if (!kept) errs.push(field.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds'));
  }
  return errs;
}

export function validatePodUpdate(next: Pod, prev: Pod): FieldError[] {
  const errs = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validatePodSpec(next.spec, 'spec')];
  const ns = next.spec;
  const os = prev.spec;
  if (!ns || !os) return errs;

  const nd = ns.activeDeadlineSeconds;
  const od = os.activeDeadlineSeconds;
  if (nd !== undefined) {
    if (od !== undefined && od < nd) errs.push(field.invalid('spec.activeDeadlineSeconds', nd, 'must be less than or equal to previous value'));
  } else if (od !== undefined) {
    errs.push(field.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  if ((ns.containers ?? []).length !== (os.containers ?? []).length) {
    errs.push(field.forbidden('spec.containers', 'pod updates may not add or remove containers'));
    return errs;
  }
  if ((ns.initContainers ?? []).length !== (os.initContainers ?? []).length) {
    errs.push(field.forbidden('spec.initContainers', 'pod updates may not add or remove containers'));
    return errs;
  }
  errs.push(...validateOnlyAddedTolerations(ns.tolerations, os.tolerations, 'spec.tolerations'));

  // Compare the specs with the mutable fields taken from the new one.
  const withImages = (list: Container[] | undefined, from: Container[] | undefined) =>
    list?.map((c, i) => ({ ...c, image: from?.[i]?.image }));
  const mutated: PodSpec = {
    ...os,
    containers: withImages(os.containers, ns.containers) ?? [],
    initContainers: withImages(os.initContainers, ns.initContainers),
    activeDeadlineSeconds: ns.activeDeadlineSeconds,
    tolerations: ns.tolerations,
    terminationGracePeriodSeconds:
      (os.terminationGracePeriodSeconds ?? 0) < 0 && ns.terminationGracePeriodSeconds === 1 ? 1 : os.terminationGracePeriodSeconds,
  };
  if (!deepEqual(stripUndefined(mutated), stripUndefined(ns))) errs.push(field.forbidden('spec', POD_UPDATE_FORBIDDEN));
  return errs;
}

const stripUndefined = (o: object): unknown => JSON.parse(JSON.stringify(o));

const TERMINATED_FINAL = (restartPolicy: string | undefined, exitCode: number) =>
  restartPolicy === 'Never' || (restartPolicy === 'OnFailure' && exitCode === 0);

export function validatePodStatusUpdate(next: Pod, prev: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(next.metadata, prev.metadata);
  const s = next.status ?? {};
  if (s.phase && !(POD_PHASES as readonly string[]).includes(s.phase)) {
    errs.push(field.notSupported('status.phase', s.phase, POD_PHASES));
  }
  if (s.nominatedNodeName) {
    errs.push(...invalidEach('status.nominatedNodeName', s.nominatedNodeName, isDNS1123Subdomain(s.nominatedNodeName)));
  }
  (s.conditions ?? []).forEach((c, i) => {
    errs.push(...invalidEach(`status.conditions[${i}].type`, c.type, isQualifiedName(c.type)));
  });
  for (const [list, single] of [['podIPs', 'podIP'], ['hostIPs', 'hostIP']] as const) {
    const ips = s[list] ?? [];
    const seen = new Set<string>();
    ips.forEach((ip, i) => {
      errs.push(...invalidEach(`status.${list}[${i}].ip`, ip.ip, isValidIP(ip.ip)));
      if (seen.has(ip.ip)) errs.push(field.duplicate(`status.${list}[${i}].ip`, ip.ip));
      seen.add(ip.ip);
    });
    const first = ips[0]?.ip;
    if (s[single] && first !== undefined && first !== s[single]) {
      errs.push(field.invalid(`status.${list}[0].ip`, first, `must be equal to status.${single}`));
    }
  }
  // A container that finished for good may not start again.
  const restartPolicy = prev.spec?.restartPolicy;
  for (const list of ['containerStatuses', 'initContainerStatuses'] as const) {
    (s[list] ?? []).forEach((cs, i) => {
      const old = prev.status?.[list]?.find((o) => o.name === cs.name);
      const term = old?.state?.terminated;
      if (term && !cs.state?.terminated && TERMINATED_FINAL(restartPolicy, term.exitCode)) {
        errs.push(field.forbidden(`status.${list}[${i}].state`, 'may not be transitioned to non-terminated state'));
      }
      errs.push(...nonNegative(`status.${list}[${i}].restartCount`, cs.restartCount));
    });
  }
  return errs;
}
