/** Pod rows: K8S pkg/printers/internalversion/printers.go printPod, rendered wide. */
import type { Container, ContainerStatus, Pod, PodCondition, TableRowCondition } from '@tskube/api-types';
import { ageColumn, column, nameColumn, type Printer, type PrintedRow } from './columns.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './duration.js';

/** Status.reason the node lifecycle controller sets on pods of an unreachable node. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

const SUCCEEDED: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const FAILED: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

/** A sidecar: an init container that keeps running alongside the app containers. */
const isRestartable = (c: Container | undefined): boolean => c?.restartPolicy === 'Always';

const hasCondition = (conditions: readonly PodCondition[] | undefined, type: string): boolean =>
  (conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** Whether the Initialized condition (the first one of that type) is True. */
function isInitialized(conditions: readonly PodCondition[] | undefined): boolean {
  const c = (conditions ?? []).find((x) => x.type === 'Initialized');
  return c?.status === 'True';
}

/** `Signal:N` / `ExitCode:N` for a terminated container that gave no reason. */
function terminatedWithoutReason(t: { exitCode: number; signal?: number }): string {
  return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
}

/** Tracks the total restart count and the latest `lastState.terminated.finishedAt`. */
class RestartTally {
  count = 0;
  last: number | undefined;
  add(status: ContainerStatus): void {
    this.count += status.restartCount ?? 0;
    const finished = parseTimestamp(status.lastState?.terminated?.finishedAt);
    if (finished !== undefined && (this.last === undefined || finished > this.last)) this.last = finished;
  }
}

export function podStatusCells(pod: Pod, now: number): { ready: string; status: string; restarts: string } {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const initSpecs = new Map((spec?.initContainers ?? []).map((c) => [c.name, c] as const));
  let total = (spec?.containers ?? []).length;
  for (const c of initSpecs.values()) if (isRestartable(c)) total++;
  let ready = 0;

  // All init containers count while the pod is initializing; afterwards only sidecars do.
  const allInit = new RestartTally();
  const sidecars = new RestartTally();
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (const [i, c] of initStatuses.entries()) {
    allInit.add(c);
    const restartable = isRestartable(initSpecs.get(c.name));
    if (restartable) sidecars.add(c);
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (restartable && c.started) {
      if (c.ready) ready++;
      continue;
    }
    initializing = true;
    if (terminated) {
      reason = terminated.reason ? `Init:${terminated.reason}` : `Init:${terminatedWithoutReason(terminated)}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec?.initContainers ?? []).length}`;
    }
    break;
  }

  let restarts = allInit;
  if (!initializing || isInitialized(status.conditions)) {
    restarts = sidecars;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // The first container (iterating from the end) with a waiting/terminated reason wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts.add(c);
      const { waiting, terminated, running } = c.state ?? {};
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = terminatedWithoutReason(terminated);
      else if (c.ready && running) {
        hasRunning = true;
        ready++;
      }
    }
    // A completed container next to a running one: the pod as a whole is still running.
    if (reason === 'Completed' && hasRunning) {
      reason = hasCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }

  let restartsCell = String(restarts.count);
  if (restarts.count !== 0 && restarts.last !== undefined) {
    restartsCell += ` (${humanDuration(now - restarts.last)} ago)`;
  }
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions = pod.status?.conditions ?? [];
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${passed}/${gates.length}`;
}

export const podPrinter: Printer<Pod> = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn(),
    column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster.', 1),
    column('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    column('Nominated Node', 'string', 'nominatedNodeName is set when this pod preempts other pods on the node.', 1),
    column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  print(pod: Pod, now: number): PrintedRow {
    const { ready, status, restarts } = podStatusCells(pod, now);
    const row: PrintedRow = {
      cells: [
        pod.metadata?.name ?? '',
        ready,
        status,
        restarts,
        translateTimestampSince(pod.metadata?.creationTimestamp, now),
        pod.status?.podIPs?.[0]?.ip || '<none>',
        pod.spec?.nodeName || '<none>',
        pod.status?.nominatedNodeName || '<none>',
        readinessGates(pod),
      ],
    };
    if (pod.status?.phase === 'Succeeded') row.conditions = SUCCEEDED;
    else if (pod.status?.phase === 'Failed') row.conditions = FAILED;
    return row;
  },
};
