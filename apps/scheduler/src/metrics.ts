import { Counter, Gauge, Histogram, type Registry } from '@tskube/component-base';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export interface PendingCounts {
  active: number;
  backoff: number;
  unschedulable: number;
}

export interface SchedulerMetrics {
  /** One scheduling attempt ended (`seconds` from pop to decision). */
  attempt(result: AttemptResult, seconds: number): void;
  /** A pod was bound; `seconds` since it first entered the queue. */
  podScheduled(attempts: number, seconds: number): void;
}

/** Upstream's scheduler metric names, registered on the daemon's own registry. */
export function createSchedulerMetrics(registry: Registry, profile: string, pending: () => PendingCounts): SchedulerMetrics {
  const attempts = new Counter({
    name: 'scheduler_schedule_attempts_total',
    help: 'Number of attempts to schedule pods, by the result. unschedulable means a pod could not be scheduled, while error means an internal scheduler problem.',
    labelNames: ['result', 'profile'],
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'scheduler_scheduling_attempt_duration_seconds',
    help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
    labelNames: ['result', 'profile'],
    buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384],
    registers: [registry],
  });
  const podDuration = new Histogram({
    name: 'scheduler_pod_scheduling_duration_seconds',
    help: 'E2e latency for a pod being scheduled which may include multiple scheduling attempts.',
    labelNames: ['attempts'],
    buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68, 655.36],
    registers: [registry],
  });
  new Gauge({
    name: 'scheduler_pending_pods',
    help: 'Number of pending pods, by the queue type. active means number of pods in activeQ; backoff means number of pods in backoffQ; unschedulable means number of pods in unschedulablePods.',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      const counts = pending();
      this.set({ queue: 'active' }, counts.active);
      this.set({ queue: 'backoff' }, counts.backoff);
      this.set({ queue: 'unschedulable' }, counts.unschedulable);
    },
  });
  // Present from the start, so a scrape before the first pod shows every series at 0.
  for (const result of ['scheduled', 'unschedulable', 'error'] as const) attempts.inc({ result, profile }, 0);

  return {
    attempt(result, seconds) {
      attempts.inc({ result, profile });
      attemptDuration.observe({ result, profile }, seconds);
    },
    podScheduled(count, seconds) {
      // Upstream caps the label at 15 to bound its cardinality.
      podDuration.observe({ attempts: String(Math.min(count, 15)) }, seconds);
    },
  };
}
