// tskube-scheduler: runScheduler(config, {signal, logger}) for embedding; main.ts is the bin.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubernetesObject } from '@tskube/api-types';
import { configFromMaster, createClient, createLeaderElector, loadKubeconfig, type Informer } from '@tskube/client';
import {
  createMetricsRegistry,
  runUntilAborted,
  startComponentServer,
  systemClock,
  type Clock,
  type Logger,
} from '@tskube/component-base';
import { createGenericScheduler, createRandom, createSchedulerCache, createSchedulingQueue } from '@tskube/scheduler-core';
import { validateSchedulerConfig, type SchedulerConfig } from './flags.js';
import { createSchedulerMetrics } from './metrics.js';
import { createScheduler } from './scheduler.js';
import { spreadSelectorsFrom } from './spread-selectors.js';

export { schedulerFlags, validateSchedulerConfig, type SchedulerConfig } from './flags.js';
export {
  createScheduler,
  BIND_CONCURRENCY,
  type Scheduler,
  type SchedulerDeps,
  type SchedulerClient,
  type SchedulerCacheLike,
  type SchedulingQueueLike,
  type AlgorithmLike,
} from './scheduler.js';
export { createSchedulerMetrics, type SchedulerMetrics, type AttemptResult, type PendingCounts } from './metrics.js';

const VERSION = '0.1.0';

export interface StartSchedulerOptions {
  logger: Logger;
  /** Leader-election identity; defaults to `<hostname>_<uuid>` as upstream. */
  identity?: string;
  /** Seed for breaking score ties (tests); random by default. */
  seed?: number;
  clock?: Clock;
}

export interface RunningScheduler {
  /** `http://<bind-address>:<port>/metrics`. */
  readonly metricsUrl: string;
  /** `http://<bind-address>:<port>` (`/healthz`, `/livez`, `/readyz`). */
  readonly url: string;
  readonly identity: string;
  /** True while this instance holds the lease (always true with --leader-elect=false once started). */
  isLeader(): boolean;
  /** Stops scheduling, waits for binds in flight, releases the lease, stops the informers. */
  stop(): Promise<void>;
}

export async function startScheduler(config: SchedulerConfig, options: StartSchedulerOptions): Promise<RunningScheduler> {
  const problems = validateSchedulerConfig(config);
  if (problems && problems.length > 0) throw new Error(`invalid scheduler configuration: ${[problems].flat().join('; ')}`);
  const logger = options.logger;
  const clock = options.clock ?? systemClock;
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  const schedulerName = config['scheduler-name'];

  const base = config.kubeconfig ? loadKubeconfig(config.kubeconfig) : configFromMaster(config.master);
  const client = createClient({
    ...base,
    qps: config['kube-api-qps'],
    burst: config['kube-api-burst'],
    userAgent: `tskube-scheduler/${VERSION} (node ${process.version})`,
  });

  const cache = createSchedulerCache();
  const queue = createSchedulingQueue({
    clock,
    initialBackoffMs: config['pod-initial-backoff'],
    maxBackoffMs: config['pod-max-backoff'],
  });
  const informerLogger = logger.child({ part: 'informers' });
  const nodes = client.nodes.informer(undefined, { logger: informerLogger });
  const pods = client.pods.informer(undefined, { logger: informerLogger });
  const services = client.services.informer(undefined, { logger: informerLogger });
  const rcs = client.replicationControllers.informer(undefined, { logger: informerLogger });
  const informers: Informer<KubernetesObject>[] = [nodes, pods, services, rcs] as Informer<KubernetesObject>[];

  const percentage = config['percentage-of-nodes-to-score'];
  const algorithm = createGenericScheduler({
    ...(percentage > 0 ? { percentageOfNodesToScore: percentage } : {}),
    random: createRandom(options.seed ?? Math.floor(Math.random() * 2 ** 31)),
    spreadSelectors: spreadSelectorsFrom(services, rcs),
  });

  const registry = createMetricsRegistry({ component: 'scheduler', version: VERSION });
  const metrics = createSchedulerMetrics(registry, schedulerName, () => queue.pendingCount());
  const scheduler = createScheduler({ client, cache, queue, algorithm, clock, logger, metrics, schedulerName, instance: identity });
  pods.addEventHandler(scheduler.podHandlers);
  nodes.addEventHandler(scheduler.nodeHandlers);

  // Three stages of shutdown: informers/server last, the lease after binds drained, the loop first.
  const informersStop = new AbortController();
  const electionStop = new AbortController();
  const loopStop = new AbortController();
  const informerRuns = informers.map((i) => i.run(informersStop.signal));

  let failure: unknown;
  let leading = false;
  let loopRun: Promise<void> = Promise.resolve();
  const lead = (signal: AbortSignal): Promise<void> => {
    const stop = AbortSignal.any([signal, loopStop.signal]);
    loopRun = (async () => {
      // Upstream waits for the caches before the first pod: a half-listed cluster looks empty.
      const synced = await Promise.all(informers.map((i) => i.waitForSync(stop)));
      if (!synced.every(Boolean)) return;
      leading = true;
      logger.info({ identity }, 'scheduling');
      try {
        await scheduler.run(stop);
      } finally {
        leading = false;
        logger.info('stopped scheduling');
      }
    })().catch((err: unknown) => {
      failure = err;
      logger.error({ err }, 'the scheduling loop failed');
    });
    return loopRun;
  };

  let election: Promise<void>;
  let isLeader: () => boolean = () => leading;
  if (config['leader-elect']) {
    const elector = createLeaderElector({
      client,
      lock: {
        resource: config['leader-elect-resource-lock'] === 'endpoints' ? 'endpoints' : 'leases',
        namespace: config['leader-elect-resource-namespace'],
        name: config['leader-elect-resource-name'],
      },
      identity,
      leaseDurationMs: config['leader-elect-lease-duration'],
      renewDeadlineMs: config['leader-elect-renew-deadline'],
      retryPeriodMs: config['leader-elect-retry-period'],
      clock,
      logger,
      onStartedLeading: (signal) => void lead(signal),
      onStoppedLeading: () => {},
    });
    isLeader = () => elector.isLeader() && leading;
    election = (async () => {
      // Upstream exits when it loses the lease; embedded, campaign again with the caches kept.
      while (!electionStop.signal.aborted) {
        await elector.run(electionStop.signal);
        await loopRun;
        if (!electionStop.signal.aborted) logger.warn('leader election lost; campaigning again');
      }
    })().catch((err: unknown) => {
      failure = err;
      logger.error({ err }, 'leader election failed');
    });
  } else {
    election = lead(electionStop.signal);
  }

  let server;
  try {
    server = await startComponentServer({
      port: config.port,
      host: config['bind-address'],
      logger,
      registry,
      signal: loopStop.signal,
      checks: [
        {
          // Upstream's leaderElection check, simplified: the campaign and the loop must be alive.
          name: 'leaderElection',
          check: () => {
            if (failure) throw new Error(`scheduler failed: ${String(failure)}`);
          },
        },
      ],
      readyChecks: [
        {
          name: 'informer-sync',
          check: () => {
            if (!informers.every((i) => i.hasSynced())) throw new Error('informers have not synced yet');
          },
        },
      ],
    });
  } catch (err) {
    loopStop.abort();
    electionStop.abort();
    informersStop.abort();
    client.close();
    throw err;
  }
  const host = config['bind-address'].includes(':') ? `[${config['bind-address']}]` : config['bind-address'];
  const url = `http://${host}:${server.port}`;
  logger.info({ identity, leaderElect: config['leader-elect'], schedulerName }, 'scheduler started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      loopStop.abort(new Error('scheduler stopping'));
      await loopRun;
      await scheduler.drain();
      // Its backoff and unschedulable-timeout timers would otherwise keep the process alive.
      queue.close();
      electionStop.abort(new Error('scheduler stopping'));
      await election;
      informersStop.abort(new Error('scheduler stopping'));
      await Promise.allSettled(informerRuns);
      await server.close();
      client.close();
      logger.info('scheduler stopped');
    })();
    return stopping;
  };

  return { metricsUrl: `${url}/metrics`, url, identity, isLeader: () => isLeader(), stop };
}

/** Schedules until `signal` aborts, then shuts down gracefully and resolves. */
export async function runScheduler(config: SchedulerConfig, options: { signal: AbortSignal; logger: Logger }): Promise<void> {
  const running = await startScheduler(config, { logger: options.logger });
  await runUntilAborted(options.signal, [() => running.stop()]);
}
