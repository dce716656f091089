/**
 * One probe worker per (container instance, probe kind), as upstream's prober manager. Results
 * are kept per runtime container id, so a restarted container starts from the initial state.
 * Liveness and readiness wait until the startup probe (if any) succeeded. App containers and
 * sidecars are probed.
 */
import type { Container, Pod, Probe } from '@tskube/api-types';
import type { Clock, Logger } from '@tskube/component-base';
import { isSidecar } from '../pod/actions.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { initialProbeState, nextProbeState, type ProbeKind, type ProbeResult, type ProbeState } from './probe-state.js';
import { runProbe } from './prober.js';

export interface ProbeManagerDeps {
  runtime: Pick<ContainerRuntime, 'execSync'>;
  clock: Clock;
  logger: Logger;
  /** A result the kubelet acts on changed: sync the pod. */
  onChange(podUid: string, kind: ProbeKind, containerName: string, result: ProbeResult): void;
  /** Probe-level `Unhealthy` events. */
  onFailure?(pod: Pod, container: Container, kind: ProbeKind, message: string): void;
  /** Replaces runProbe (tests). */
  probe?: typeof runProbe;
}

interface Worker {
  podUid: string;
  kind: ProbeKind;
  state: ProbeState;
  stop: AbortController;
}

const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

function probeOf(c: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'liveness' ? c.livenessProbe : kind === 'readiness' ? c.readinessProbe : c.startupProbe;
}

export interface RunningContainer {
  id: string;
  name: string;
  startedAt: number;
}

export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  private readonly probe: typeof runProbe;

  constructor(private readonly deps: ProbeManagerDeps) {
    this.probe = deps.probe ?? runProbe;
  }

  private key = (id: string, kind: ProbeKind): string => `${id}/${kind}`;

  /** Starts workers for the pod's running containers that have probes; stops those of containers gone. */
  sync(pod: Pod, podIP: string, running: readonly RunningContainer[]): void {
    const uid = pod.metadata?.uid ?? '';
    const wanted = new Set<string>();
    for (const rc of running) {
      // App containers and sidecars (init containers with restartPolicy Always) are probed.
      const spec = pod.spec?.containers.find((c) => c.name === rc.name) ?? pod.spec?.initContainers?.find((c) => c.name === rc.name && isSidecar(c));
      if (!spec) continue;
      for (const kind of PROBE_KINDS) {
        const probe = probeOf(spec, kind);
        if (!probe) continue;
        const key = this.key(rc.id, kind);
        wanted.add(key);
        if (!this.workers.has(key)) this.start(key, pod, spec, probe, kind, rc, podIP);
      }
    }
    for (const [key, w] of this.workers) {
      if (w.podUid === uid && !wanted.has(key)) {
        w.stop.abort();
        this.workers.delete(key);
      }
    }
  }

  removePod(uid: string): void {
    for (const [key, w] of this.workers) {
      if (w.podUid === uid) {
        w.stop.abort();
        this.workers.delete(key);
      }
    }
  }

  stopAll(): void {
    for (const w of this.workers.values()) w.stop.abort();
    this.workers.clear();
  }

  private result(id: string, kind: ProbeKind): ProbeResult | undefined {
    return this.workers.get(this.key(id, kind))?.state.result;
  }

  /** Started: no startup probe, or it succeeded. */
  started(id: string): boolean {
    const r = this.result(id, 'startup');
    return r === undefined || r === 'success';
  }

  /**
   * The startup probe of this instance succeeded: stricter than `started`, which also holds
   * before a worker exists (for a container that has a startup probe, the kubelet waits).
   */
  startupSucceeded(id: string): boolean {
    return this.result(id, 'startup') === 'success';
  }

  /** Ready: started and (no readiness probe, or it succeeded). */
  ready(id: string): boolean {
    if (!this.started(id)) return false;
    const r = this.result(id, 'readiness');
    return r === undefined || r === 'success';
  }

  livenessFailed(id: string): boolean {
    return this.result(id, 'liveness') === 'failure' || this.result(id, 'startup') === 'failure';
  }

  private start(key: string, pod: Pod, spec: Container, probe: Probe, kind: ProbeKind, rc: RunningContainer, podIP: string): void {
    const { clock, logger } = this.deps;
    const w: Worker = { podUid: pod.metadata?.uid ?? '', kind, state: initialProbeState(kind), stop: new AbortController() };
    this.workers.set(key, w);
    const signal = w.stop.signal;
    const periodMs = (probe.periodSeconds || 10) * 1000;
    const thresholds = { successThreshold: probe.successThreshold || 1, failureThreshold: probe.failureThreshold || 3 };
    const log = logger.child({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, container: spec.name, probe: kind });
    const loop = async (): Promise<void> => {
      const delay = rc.startedAt + (probe.initialDelaySeconds ?? 0) * 1000 - clock.now();
      if (delay > 0) await clock.sleep(delay, signal);
      while (!signal.aborted) {
        // Liveness and readiness do nothing until the container has started.
        if (kind === 'startup' || this.started(rc.id)) {
          if (kind === 'startup' && w.state.result === 'success') return;
          const outcome = await this.probe(probe, { podIP, container: spec, containerId: rc.id, runtime: this.deps.runtime });
          if (signal.aborted) return;
          const before = w.state.result;
          w.state = nextProbeState(w.state, outcome, kind === 'startup' ? { ...thresholds, successThreshold: 1 } : thresholds);
          if (outcome === 'failure') this.deps.onFailure?.(pod, spec, kind, `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed`);
          if (w.state.result !== before) {
            log.debug({ result: w.state.result }, 'probe result changed');
            this.deps.onChange(w.podUid, kind, spec.name, w.state.result);
          }
          // A failed liveness probe kills the container: stop probing this instance.
          if (kind === 'liveness' && w.state.result === 'failure') return;
        }
        await clock.sleep(periodMs, signal);
      }
    };
    loop().catch((err: unknown) => {
      if (!signal.aborted) log.warn({ err }, 'probe worker failed');
    });
  }
}
