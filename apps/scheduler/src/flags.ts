import { DEFAULT_SCHEDULER_NAME } from '@tskube/api-types';
import { defineFlags, loggingFlags, type FlagValues, type Problems } from '@tskube/component-base';

/** kube-scheduler's flags, kebab-case (the seed's `--leader_elect` spellings work too). */
export const schedulerFlags = defineFlags({
  master: { type: 'string', default: 'http://127.0.0.1:8080', help: 'The apiserver URL (ignored when --kubeconfig is given)' },
  kubeconfig: { type: 'string', help: 'Path to a kubeconfig with the apiserver address and credentials' },
  'kube-api-qps': { type: 'int', default: 50, help: 'Client-side rate limit for requests to the apiserver (queries per second)' },
  'kube-api-burst': { type: 'int', default: 100, help: 'Burst allowed above --kube-api-qps' },
  'leader-elect': {
    type: 'boolean',
    default: true,
    help: 'Campaign for a lease before scheduling, so that only one of several replicas schedules',
  },
  'leader-elect-lease-duration': { type: 'duration', default: '15s', help: 'How long non-leaders wait after the last renewal before taking over' },
  'leader-elect-renew-deadline': { type: 'duration', default: '10s', help: 'How long the leader retries renewing before it stops leading' },
  'leader-elect-retry-period': { type: 'duration', default: '2s', help: 'Wait between attempts to acquire or renew the lease' },
  'leader-elect-resource-namespace': { type: 'string', default: 'kube-system', help: 'Namespace of the lock object' },
  'leader-elect-resource-lock': {
    type: 'string',
    choices: ['leases', 'endpoints'],
    default: 'leases',
    help: 'The kind of lock object: a coordination.k8s.io/v1 Lease (as upstream), or a legacy Endpoints annotation',
  },
  'leader-elect-resource-name': { type: 'string', default: 'kube-scheduler', help: 'Name of the lock object' },
  'bind-address': { type: 'string', default: '127.0.0.1', help: 'Address /healthz, /readyz and /metrics are served on (plain HTTP)' },
  port: { type: 'int', default: 10259, help: 'Port /healthz, /readyz and /metrics are served on; 0 picks a free one' },
  'percentage-of-nodes-to-score': {
    type: 'int',
    default: 0,
    help: 'Stop looking for feasible nodes once this share of the cluster was found feasible; 0 = adaptive (50% at 100 nodes, less above)',
  },
  'scheduler-name': {
    type: 'string',
    default: DEFAULT_SCHEDULER_NAME,
    help: 'Only pods whose spec.schedulerName is this are scheduled; also the source of the events recorded',
  },
  'pod-initial-backoff': { type: 'duration', default: '1s', help: 'Backoff of a pod after its first failed attempt' },
  'pod-max-backoff': { type: 'duration', default: '10s', help: 'Longest backoff of a pod that keeps failing' },
  ...loggingFlags,
});

export type SchedulerConfig = FlagValues<typeof schedulerFlags>;

/** Checks across flags (pass as parseFlags' `validate`); every problem is reported. */
export function validateSchedulerConfig(c: SchedulerConfig): Problems {
  const problems: string[] = [];
  if (c.port < 0 || c.port > 65535) problems.push(`--port: ${c.port} is not a port (0-65535)`);
  if (c['percentage-of-nodes-to-score'] < 0 || c['percentage-of-nodes-to-score'] > 100) {
    problems.push('--percentage-of-nodes-to-score must be within 0-100');
  }
  if (c['kube-api-qps'] <= 0 || c['kube-api-burst'] <= 0) problems.push('--kube-api-qps and --kube-api-burst must be positive');
  if (c['pod-initial-backoff'] <= 0 || c['pod-max-backoff'] < c['pod-initial-backoff']) {
    problems.push('--pod-initial-backoff must be positive and at most --pod-max-backoff');
  }
  if (!c['scheduler-name']) problems.push('--scheduler-name must not be empty');
  if (c['leader-elect']) {
    const lease = c['leader-elect-lease-duration'];
    const renew = c['leader-elect-renew-deadline'];
    const retry = c['leader-elect-retry-period'];
    if (!(lease > renew)) problems.push('--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
    if (!(renew > retry)) problems.push('--leader-elect-renew-deadline must be greater than --leader-elect-retry-period');
    if (!(retry > 0)) problems.push('--leader-elect-retry-period must be positive');
  }
  return problems;
}
