/**
 * The kubelet's pod lifecycle: pod workers driven by the pod informer (this node's pods), runtime
 * events (the evented PLEG) and a periodic resync; syncPod (init containers one at a time, then the
 * app containers; sidecars keep running beside them) / syncTerminatingPod / orphan cleanup;
 * probes; status reporting; garbage collection. What runs is found again from the runtime's
 * labels, so a restarted kubelet adopts running containers instead of restarting them.
 */
import os from 'node:os';
import type { Container, Pod, ResourceList, Service } from '@tskube/api-types';
import { StatusError } from '@tskube/api-types';
import type { Client, Informer } from '@tskube/client';
import { systemClock, type Clock, type Logger } from '@tskube/component-base';
import { appContainersFinished, backoffKey, computeInitActions, decideContainer, initProgress, isSidecar, type ContainerAction, type StartedFn } from '../pod/actions.js';
import { Backoff } from '../pod/backoff.js';
import { containerEnv } from '../pod/env.js';
import { containerHash } from '../pod/hash.js';
import { ensureImage, ImageError } from '../pod/images.js';
import { buildPodStatus, isTerminalPhase, type Waiting } from '../pod/status.js';
import { containerMounts, setUpPodVolumes, tearDownPodDir } from '../pod/volumes.js';
import { ProbeManager } from '../prober/manager.js';
import type { ContainerRuntime, ContainerStatus, SandboxStatus } from '../runtime/types.js';
import { StatusManager } from '../status/status-manager.js';
import { containerFieldPath, createRecorder, type Recorder } from './events.js';
import { selectGarbage } from './gc.js';
import type { KubeletMetrics } from './metrics.js';
import { PodWorkers } from './pod-workers.js';
import { RuntimeCache, type PodView, type Snapshot } from './runtime-cache.js';

export interface KubeletDeps {
  nodeName: string;
  client: Client;
  runtime: ContainerRuntime;
  /** `<root-dir>/pods/<uid>/volumes/...` */
  rootDir: string;
  /** The node's InternalIP (hostIP of its pods). */
  nodeIP: string;
  logger: Logger;
  clock?: Clock;
  metrics?: KubeletMetrics;
  /** Periodic resync of every pod (default 10 s). */
  resyncIntervalMs?: number;
  /** Container GC period (default 60 s). */
  gcIntervalMs?: number;
  /** Crash-loop backoff (defaults 10 s → 300 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Pods whose sync runs at once (default 32). */
  syncConcurrency?: number;
  /**
   * The node's allocatable, which `valueFrom.resourceFieldRef` gives for a limit a container does
   * not set (default: the host's cpus and memory, as the registered Node reports them).
   */
  allocatable?: ResourceList;
  /** Informers to use instead of creating them (tests). */
  podInformer?: Informer<Pod>;
  serviceInformer?: Informer<Service>;
}

/** A container instance the HTTP API can reach (logs, exec, attach). */
export interface ContainerRef {
  pod: Pod;
  container: ContainerStatus;
}

const defaultGrace = (pod: Pod): number => pod.spec?.terminationGracePeriodSeconds ?? 30;

/** What staticNodeStatus reports as capacity (= allocatable) when not told otherwise. */
const hostAllocatable = (): ResourceList => ({ cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki` });

export class Kubelet {
  readonly nodeName: string;
  readonly runtime: ContainerRuntime;
  readonly cache: RuntimeCache;
  private readonly deps: KubeletDeps;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly pods = new Map<string, Pod>();
  /** The last spec seen of pods removed from the apiserver (their grace period). */
  private readonly gone = new Map<string, Pod>();
  /** Terminating pods whose runtime objects are gone and whose API object was deleted. */
  private readonly finished = new Set<string>();
  private readonly firstSeen = new Map<string, number>();
  private readonly startRecorded = new Set<string>();
  private readonly waiting = new Map<string, Map<string, Waiting>>();
  private readonly backoff: Backoff;
  private readonly imageBackoff: Backoff;
  private readonly allocatable: ResourceList;
  private readonly workers: PodWorkers;
  private readonly probes: ProbeManager;
  readonly status: StatusManager;
  private readonly recorder: Recorder;
  private readonly podInformer: Informer<Pod>;
  private readonly serviceInformer: Informer<Service>;
  private readonly stopController = new AbortController();
  private readonly background: Promise<unknown>[] = [];
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(deps: KubeletDeps) {
    this.deps = deps;
    this.nodeName = deps.nodeName;
    this.runtime = deps.runtime;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger.child({ part: 'pods' });
    this.cache = new RuntimeCache(deps.runtime);
    this.backoff = new Backoff(this.clock, deps.backoffInitialMs, deps.backoffMaxMs);
    this.imageBackoff = new Backoff(this.clock, deps.backoffInitialMs, deps.backoffMaxMs);
    this.allocatable = deps.allocatable ?? hostAllocatable();
    this.workers = new PodWorkers((uid) => this.syncUid(uid), { clock: this.clock, logger: this.logger, concurrency: deps.syncConcurrency ?? 32 });
    this.recorder = createRecorder(deps.client.events, { nodeName: deps.nodeName, logger: this.logger, now: () => this.clock.now() });
    this.probes = new ProbeManager({
      runtime: deps.runtime,
      clock: this.clock,
      logger: this.logger,
      onChange: (uid) => this.workers.update(uid),
      onFailure: (pod, c, kind, message) => this.recorder.event(pod, 'Warning', 'Unhealthy', message, containerFieldPath(c.name)),
    });
    this.status = new StatusManager(
      { get: (ns, name) => deps.client.pods.get(ns, name), updateStatus: (ns, pod) => deps.client.pods.updateStatus(ns, pod) },
      this.logger,
    );
    this.podInformer = deps.podInformer ?? deps.client.pods.informer(undefined, { fieldSelector: `spec.nodeName=${deps.nodeName}`, logger: this.logger });
    this.serviceInformer = deps.serviceInformer ?? deps.client.services.informer(undefined, { logger: this.logger });
  }

  /** Starts the informers and the loops; resolves once the first sync of every pod was queued. */
  async start(): Promise<void> {
    const signal = this.stopController.signal;
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.setPod(pod),
      onUpdate: (_old, pod) => this.setPod(pod),
      onDelete: (pod) => {
        const uid = pod.metadata?.uid ?? '';
        this.pods.delete(uid);
        this.finished.delete(uid);
        this.gone.set(uid, pod);
        this.workers.update(uid);
      },
    });
    this.background.push(this.podInformer.run(signal), this.serviceInformer.run(signal));
    // Service env vars need the services before the first container starts (upstream waits too).
    const synced = await Promise.all([this.podInformer.waitForSync(signal), this.serviceInformer.waitForSync(signal)]);
    if (!synced.every(Boolean)) return;
    this.background.push(this.runEvents(signal));
    // Adoption: whatever runs for pods that no longer exist is cleaned up; the rest is kept.
    const snap = await this.cache.get();
    for (const uid of snap.byPod.keys()) if (!this.pods.has(uid)) this.workers.update(uid);
    this.timers.push(
      setInterval(() => this.resyncAll(), this.deps.resyncIntervalMs ?? 10_000),
      setInterval(() => void this.collectGarbage().catch((err: unknown) => this.logger.warn({ err }, 'garbage collection failed')), this.deps.gcIntervalMs ?? 60_000),
    );
    for (const t of this.timers) t.unref?.();
  }

  /** Stops the loops and waits for syncs in flight; containers keep running (as upstream). */
  async stop(): Promise<void> {
    this.stopController.abort();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.probes.stopAll();
    await this.workers.stop();
    await Promise.allSettled(this.background);
    await this.recorder.close(5_000);
  }

  /** Pods bound to this node, as last seen from the apiserver. */
  podList(): Pod[] {
    return [...this.pods.values()];
  }

  findPod(namespace: string, name: string): Pod | undefined {
    for (const p of this.pods.values()) if (p.metadata?.namespace === namespace && p.metadata?.name === name) return p;
    return undefined;
  }

  /** The newest instance of a container (or, with `previous`, the one before it, which must have exited). */
  async findContainer(namespace: string, podName: string, containerName: string, previous = false): Promise<ContainerRef | undefined> {
    const pod = this.findPod(namespace, podName);
    if (!pod) return undefined;
    const snap = await this.cache.get();
    const history = snap.pod(pod.metadata?.uid ?? '').containers.filter((c) => c.name === containerName);
    const container = previous ? history[1] : history[0];
    return container ? { pod, container } : undefined;
  }

  /** Resolves when no pod sync is running (tests). */
  whenIdle(): Promise<void> {
    return this.workers.whenIdle();
  }

  resyncAll(): void {
    this.cache.invalidate();
    for (const uid of this.pods.keys()) this.workers.update(uid);
  }

  private setPod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (!uid) return;
    this.pods.set(uid, pod);
    if (!this.firstSeen.has(uid)) this.firstSeen.set(uid, this.clock.now());
    this.workers.update(uid);
  }

  private async runEvents(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const ev of this.runtime.events(signal)) {
          this.cache.invalidate();
          const uid = ev.podUid ?? this.cache.peek()?.podOfContainer(ev.containerId);
          if (uid) this.workers.update(uid);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.logger.warn({ err }, 'runtime events ended; resubscribing');
      }
      // An ended stream (runtime restart): resubscribe, and resync in case something was missed.
      await this.clock.sleep(1000, signal).catch(() => undefined);
      this.resyncAll();
    }
  }

  private async syncUid(uid: string): Promise<void> {
    const pod = this.pods.get(uid);
    const started = this.clock.now();
    let operation = 'sync';
    try {
      if (!pod) {
        operation = 'delete';
        await this.syncOrphan(uid);
      } else if (pod.metadata?.deletionTimestamp) {
        operation = 'delete';
        if (!this.finished.has(uid)) await this.syncTerminatingPod(pod);
      } else {
        operation = this.status.lastSent(uid) ? 'sync' : 'create';
        await this.syncPod(pod);
      }
    } finally {
      this.deps.metrics?.podWorkerDuration.observe({ operation }, (this.clock.now() - started) / 1000);
    }
  }

  private waitingOf(uid: string): Map<string, Waiting> {
    let w = this.waiting.get(uid);
    if (!w) {
      w = new Map();
      this.waiting.set(uid, w);
    }
    return w;
  }

  /** Brings the runtime in line with the pod spec and reports the status. */
  async syncPod(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const podKey = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    const log = this.logger.child({ pod: podKey });
    const waiting = this.waitingOf(uid);
    let snap = await this.cache.get();
    let view = snap.pod(uid);
    let changed = false;

    if (isTerminalPhase(pod.status?.phase)) {
      // Upstream syncTerminatedPod: nothing restarts; free the sandbox, keep the dead containers.
      changed = await this.stopRunning(pod, view, 0);
      if (changed) view = (await this.cache.get()).pod(uid);
      await this.report(pod, view, waiting);
      return;
    }

    const volumePaths = await setUpPodVolumes(this.deps.rootDir, pod).catch((err: unknown) => {
      this.recorder.event(pod, 'Warning', 'FailedMount', String(err instanceof Error ? err.message : err));
      return undefined;
    });
    const specs = pod.spec?.containers ?? [];
    const hashes = new Map(specs.map((c) => [c.name, containerHash(c)]));
    const decide = (sandboxId: string): Map<string, ContainerAction> =>
      new Map(
        specs.map((spec) => [
          spec.name,
          decideContainer({
            pod,
            spec,
            hash: hashes.get(spec.name)!,
            sandboxId,
            history: view.containers.filter((c) => c.name === spec.name),
            livenessFailed: (id) => this.probes.livenessFailed(id),
            backoff: this.backoff,
            now: this.clock.now(),
          }),
        ]),
      );

    let sandbox: SandboxStatus | undefined = view.sandboxes.find((s) => s.state === 'ready');
    if (!sandbox && volumePaths) {
      const hypothetical = decide('');
      // Nothing runs again once every app container is done, or an init container failed for good.
      const initFailed = initProgress(pod, view.sandboxes[0]?.id ?? '', view.containers).type === 'failed';
      const nothingToRun = initFailed || (view.containers.length > 0 && [...hypothetical.values()].every((a) => a.type === 'done'));
      if (!nothingToRun) {
        // A new (or replaced) sandbox: whatever ran in the old one is stopped and started again.
        await this.stopRunning(pod, view, defaultGrace(pod));
        try {
          sandbox = await this.runtime.runPodSandbox(pod);
        } catch (err) {
          this.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errMessage(err)}`);
          throw err;
        } finally {
          this.cache.invalidate();
        }
        log.debug({ sandbox: sandbox.id }, 'sandbox started');
        snap = await this.cache.get();
        view = snap.pod(uid);
        changed = true;
      }
    }

    // A sidecar lets the next init container start once running and, with a startup probe, once
    // that succeeded (not merely before its probe worker exists).
    const started: StartedFn = (spec, id) => !spec.startupProbe || this.probes.startupSucceeded(id);
    const progress = sandbox ? initProgress(pod, sandbox.id, view.containers, started) : undefined;
    const applyAll = async (list: { spec: Container; action: ContainerAction }[], what: string) => {
      for (const { spec, action } of list) {
        const ok = await this.apply(pod, spec, action, sandbox!, volumePaths!, waiting).catch((err: unknown) => {
          log.warn({ err, container: spec.name }, `${what} action failed`);
          return true;
        });
        changed ||= ok;
      }
    };
    const initActions = () =>
      computeInitActions({
        pod,
        sandboxId: sandbox!.id,
        containers: view.containers,
        backoff: this.backoff,
        now: this.clock.now(),
        started,
        livenessFailed: (id) => this.probes.livenessFailed(id),
        hash: containerHash,
      });
    if (sandbox && progress?.type === 'failed') {
      // Upstream's KillPod: an init container failed under restartPolicy Never; the pod is Failed.
      log.info({ container: progress.name }, 'init container failed; the pod fails');
      changed = (await this.stopRunning(pod, view, defaultGrace(pod))) || changed;
    } else if (sandbox && volumePaths && (progress?.type === 'next' || progress?.type === 'running')) {
      // Init containers start one at a time, in order; app containers wait for all of them.
      // Sidecars that already started are kept running (restarted when they exit) meanwhile.
      await applyAll(initActions(), 'init container');
    } else if (sandbox && volumePaths && progress?.type === 'done') {
      const actions = decide(sandbox.id);
      if (appContainersFinished(actions.values())) {
        // Upstream's KillPod: every app container is done for good, so the sidecars (which
        // never keep a pod alive) are stopped, not restarted, and the pod ends Succeeded or Failed.
        if (view.containers.some((c) => c.sandboxId === sandbox!.id && c.state === 'running')) {
          log.info('app containers finished; stopping the sidecars');
          changed = (await this.stopRunning(pod, view, defaultGrace(pod))) || changed;
        }
      } else {
        // Sidecars first, as upstream starts init containers before app containers.
        await applyAll(initActions(), 'sidecar');
        await applyAll(
          specs.map((spec) => ({ spec, action: actions.get(spec.name)! })),
          'container',
        );
      }
    }
    if (changed) view = (await this.cache.get()).pod(uid);
    await this.report(pod, view, waiting);
  }

  /** Carries out one container's action; true when the runtime changed. */
  private async apply(
    pod: Pod,
    spec: Container,
    action: ContainerAction,
    sandbox: SandboxStatus,
    volumePaths: ReadonlyMap<string, string>,
    waiting: Map<string, Waiting>,
  ): Promise<boolean> {
    const uid = pod.metadata!.uid!;
    const field = containerFieldPath(spec.name);
    switch (action.type) {
      case 'keep':
        waiting.delete(spec.name);
        return false;
      case 'done':
        waiting.delete(spec.name);
        return false;
      case 'backoff': {
        const msg = `back-off ${Math.round(action.backoffMs / 1000)}s restarting failed container=${spec.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`;
        if (waiting.get(spec.name)?.reason !== 'CrashLoopBackOff') this.recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', field);
        waiting.set(spec.name, { reason: 'CrashLoopBackOff', message: msg });
        this.workers.updateAfter(uid, action.remainingMs + 50);
        return false;
      }
      case 'kill': {
        this.recorder.event(pod, 'Normal', 'Killing', `Container ${spec.name} failed liveness probe, will be restarted`, field);
        try {
          await this.runtime.stopContainer(action.current.id, defaultGrace(pod));
        } finally {
          this.cache.invalidate();
        }
        // Its restart (subject to backoff) is the next sync's.
        this.workers.update(uid);
        return true;
      }
      case 'start': {
        if (action.kill) {
          if (action.reason !== 'not-started') this.recorder.event(pod, 'Normal', 'Killing', `Container ${spec.name} definition changed, will be restarted`, field);
          await this.runtime.stopContainer(action.kill, defaultGrace(pod));
          this.cache.invalidate();
        }
        if (action.reason === 'restart' && action.last) this.backoff.next(backoffKey(uid, spec.name), action.last.finishedAt ?? this.clock.now());
        const imageKey = `${uid}/${spec.image ?? ''}`;
        try {
          await ensureImage(this.runtime, spec, this.imageBackoff, imageKey, () => this.clock.now(), {
            pulling: (image) => this.recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, field),
            pulled: (image, ms) => this.recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${ms}ms`, field),
            usedLocal: (image, err) => this.logger.info({ image, err: errMessage(err) }, 'pull failed; using the local image'),
          });
        } catch (err) {
          if (!(err instanceof ImageError)) throw err;
          waiting.set(spec.name, { reason: err.reason, message: err.message });
          this.recorder.event(pod, 'Warning', err.reason === 'ImagePullBackOff' ? 'BackOff' : 'Failed', err.message, field);
          this.workers.updateAfter(uid, Math.max(1000, this.imageBackoff.remainingSinceLast(imageKey)));
          return !!action.kill;
        }
        let env;
        let mounts;
        try {
          env = containerEnv(pod, spec, this.serviceInformer.lister.list(), {
            nodeName: this.nodeName,
            hostIP: this.deps.nodeIP,
            podIP: sandbox.ip || this.deps.nodeIP,
            allocatable: this.allocatable,
          });
          mounts = containerMounts(spec, volumePaths);
        } catch (err) {
          waiting.set(spec.name, { reason: 'CreateContainerConfigError', message: errMessage(err) });
          this.recorder.event(pod, 'Warning', 'Failed', `Error: ${errMessage(err)}`, field);
          return !!action.kill;
        }
        let id: string;
        try {
          id = await this.runtime.createContainer(sandbox.id, { pod, container: spec, env, mounts, restartCount: action.restartCount, specHash: containerHash(spec) });
        } catch (err) {
          waiting.set(spec.name, { reason: 'CreateContainerError', message: errMessage(err) });
          this.recorder.event(pod, 'Warning', 'Failed', `Error: ${errMessage(err)}`, field);
          this.cache.invalidate();
          return true;
        }
        this.recorder.event(pod, 'Normal', 'Created', `Created container ${spec.name}`, field);
        try {
          await this.runtime.startContainer(id);
        } catch (err) {
          waiting.set(spec.name, { reason: 'RunContainerError', message: errMessage(err) });
          this.recorder.event(pod, 'Warning', 'Failed', `Error: ${errMessage(err)}`, field);
          return true;
        } finally {
          this.cache.invalidate();
        }
        this.recorder.event(pod, 'Normal', 'Started', `Started container ${spec.name}`, field);
        waiting.delete(spec.name);
        return true;
      }
    }
  }

  /** Computes and sends the pod's status; starts or stops its probes. */
  private async report(pod: Pod, view: PodView, waiting: ReadonlyMap<string, Waiting>): Promise<void> {
    const uid = pod.metadata!.uid!;
    const sandbox = view.sandboxes.find((s) => s.state === 'ready') ?? view.sandboxes[0];
    const podIP = pod.spec?.hostNetwork ? this.deps.nodeIP : (sandbox?.state === 'ready' ? sandbox.ip : '') || '';
    const running = view.containers
      .filter((c) => c.state === 'running')
      .filter((c, i, all) => all.findIndex((x) => x.name === c.name) === i)
      .map((c) => ({ id: c.id, name: c.name, startedAt: c.startedAt ?? c.createdAt }));
    this.probes.sync(pod, podIP, running);
    const status = buildPodStatus({
      pod: this.statusBase(pod),
      sandbox,
      containers: view.containers,
      waiting,
      ready: (id) => this.probes.ready(id),
      started: (id) => this.probes.started(id),
      hostIP: this.deps.nodeIP,
      now: this.clock.now(),
      runtimeType: this.runtime.type,
    });
    if (status.phase === 'Running' && !this.startRecorded.has(uid)) {
      this.startRecorded.add(uid);
      const seen = this.firstSeen.get(uid);
      if (seen !== undefined) this.deps.metrics?.podStartDuration.observe((this.clock.now() - seen) / 1000);
    }
    await this.status.setPodStatus(this.pods.get(uid) ?? pod, status);
  }

  /** The pod with the status last sent, so conditions keep their transition times between syncs. */
  private statusBase(pod: Pod): Pod {
    const sent = this.status.lastSent(pod.metadata?.uid ?? '');
    if (!sent) return pod;
    // The apiserver's phase wins once terminal; otherwise ours is the newer.
    return { ...pod, status: { ...sent, phase: isTerminalPhase(pod.status?.phase) ? pod.status?.phase : sent.phase } };
  }

  /**
   * Stops the pod's running containers (grace) and its ready sandboxes; true when anything
   * stopped. Sidecars are stopped after the other containers, the last one first, within what
   * is left of the grace period (at least 2 s of it, as upstream's minimum).
   */
  private async stopRunning(pod: Pod, view: PodView, graceSeconds: number): Promise<boolean> {
    const live = view.containers.filter((c) => c.state === 'running' || c.state === 'created');
    const sandboxes = view.sandboxes.filter((s) => s.state === 'ready');
    if (live.length === 0 && sandboxes.length === 0) return false;
    for (const c of live) if (c.state === 'running') this.recorder.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, containerFieldPath(c.name));
    this.probes.removePod(pod.metadata?.uid ?? '');
    const sidecars = (pod.spec?.initContainers ?? []).filter(isSidecar).map((c) => c.name);
    const rank = (c: ContainerStatus) => sidecars.indexOf(c.name);
    const deadline = this.clock.now() + graceSeconds * 1000;
    try {
      await Promise.all(live.filter((c) => rank(c) < 0).map((c) => this.runtime.stopContainer(c.id, graceSeconds)));
      for (const c of live.filter((x) => rank(x) >= 0).sort((a, b) => rank(b) - rank(a))) {
        const left = Math.ceil((deadline - this.clock.now()) / 1000);
        await this.runtime.stopContainer(c.id, Math.min(graceSeconds, Math.max(left, 2)));
      }
      await Promise.all(sandboxes.map((s) => this.runtime.stopPodSandbox(s.id)));
    } finally {
      this.cache.invalidate();
    }
    return true;
  }

  /** Removes every runtime object of the pod and its directory. */
  private async removeAll(uid: string, view: PodView): Promise<void> {
    await Promise.all(view.containers.map((c) => this.runtime.removeContainer(c.id).catch((err: unknown) => this.logger.debug({ err }, 'remove container'))));
    await Promise.all(view.sandboxes.map((s) => this.runtime.removePodSandbox(s.id).catch((err: unknown) => this.logger.debug({ err }, 'remove sandbox'))));
    this.cache.invalidate();
    await tearDownPodDir(this.deps.rootDir, uid);
  }

  private forget(uid: string): void {
    this.probes.removePod(uid);
    this.status.remove(uid);
    this.backoff.resetPrefix(uid);
    this.imageBackoff.resetPrefix(uid);
    this.waiting.delete(uid);
    this.firstSeen.delete(uid);
    this.startRecorded.delete(uid);
  }

  /**
   * A pod with a deletionTimestamp: SIGTERM its containers, SIGKILL after the grace period, remove
   * them and the sandbox, then delete the pod object for good (grace 0, uid precondition).
   */
  async syncTerminatingPod(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? defaultGrace(pod);
    const view = (await this.cache.get()).pod(uid);
    await this.stopRunning(pod, view, grace);
    await this.removeAll(uid, (await this.cache.get()).pod(uid));
    this.forget(uid);
    try {
      await this.deps.client.pods.delete(pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      // Gone already, or a new pod took the name: nothing of ours to delete.
      if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
    }
    this.finished.add(uid);
  }

  /** Runtime objects of a pod the apiserver no longer has (deleted for good, or never known). */
  private async syncOrphan(uid: string): Promise<void> {
    const view = (await this.cache.get()).pod(uid);
    const last = this.gone.get(uid);
    if (view.containers.length > 0 || view.sandboxes.length > 0) {
      const grace = last ? (last.metadata?.deletionGracePeriodSeconds ?? 0) : 0;
      await Promise.all(view.containers.filter((c) => c.state === 'running').map((c) => this.runtime.stopContainer(c.id, grace)));
      await Promise.all(view.sandboxes.filter((s) => s.state === 'ready').map((s) => this.runtime.stopPodSandbox(s.id)));
      this.cache.invalidate();
      await this.removeAll(uid, (await this.cache.get()).pod(uid));
    } else {
      await tearDownPodDir(this.deps.rootDir, uid);
    }
    this.gone.delete(uid);
    this.forget(uid);
  }

  /** Removes dead containers beyond the newest per container, and unused old sandboxes. */
  async collectGarbage(): Promise<void> {
    this.cache.invalidate();
    const snap: Snapshot = await this.cache.get();
    const garbage = selectGarbage(snap, new Set(this.pods.keys()));
    for (const id of garbage.containers) await this.runtime.removeContainer(id).catch(() => undefined);
    for (const id of garbage.sandboxes) await this.runtime.removePodSandbox(id).catch(() => undefined);
    if (garbage.containers.length + garbage.sandboxes.length > 0) this.cache.invalidate();
    if (this.deps.metrics) {
      this.deps.metrics.runningPods.set(snap.sandboxes.filter((s) => s.state === 'ready').length);
      this.deps.metrics.runningContainers.set({ container_state: 'running' }, snap.containers.filter((c) => c.state === 'running').length);
    }
  }
}

const errMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
