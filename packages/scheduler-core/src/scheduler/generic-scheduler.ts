/**
 * One scheduling cycle (upstream schedule_one.go `schedulePod`): PreFilter, Filter over a
 * round-robin window of nodes that stops once enough feasible nodes are found
 * (`numFeasibleNodesToFind`), PreScore/Score/NormalizeScore with weights, then `selectHost`
 * (reservoir sampling among the top scores with a seedable RNG). Single-threaded: the filter
 * walk is sequential, so exactly the visited nodes advance the round-robin start.
 */
import { isSuccess } from '../framework/status.js';
import { defaultFilterPlugins, defaultScorePlugins } from '../plugins/registry.js';
import type { SpreadSelectors } from '../plugins/selector-spread/selector-spread.js';
import type {
  CycleState,
  FilterPlugin,
  GenericScheduler,
  NodeInfo,
  PluginStatus,
  SchedPod,
  ScheduleResult,
  ScorePlugin,
  Snapshot,
} from '../types.js';
import { createRandom, type Random } from './random.js';

/** Upstream constants. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

export interface GenericSchedulerOptions {
  /** Filter plugins in the order they run; the default profile when omitted. */
  filters?: FilterPlugin[];
  /** Score plugins with their weights; the default profile when omitted. */
  scores?: ScorePlugin[];
  /** 1..100; 0 or omitted = adaptive (50 − nodes/125, at least 5). */
  percentageOfNodesToScore?: number;
  minFeasibleNodesToFind?: number;
  /** Tie-breaking among equal top scores; seed it for reproducible runs. */
  random?: Random;
  /** Services and RCs for SelectorSpread in the default score plugins. */
  spreadSelectors?: SpreadSelectors;
}

export interface GenericSchedulerImpl extends GenericScheduler {
  /** Where the next cycle's filter walk starts (upstream nextStartNodeIndex). */
  readonly nextStartNodeIndex: number;
}

/** Upstream numFeasibleNodesToFind, in int32 arithmetic. */
export function numFeasibleNodesToFind(
  numAllNodes: number,
  percentageOfNodesToScore = 0,
  minFeasibleNodesToFind = MIN_FEASIBLE_NODES_TO_FIND,
): number {
  if (numAllNodes < minFeasibleNodesToFind) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage <= 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const numNodes = Math.trunc((numAllNodes * percentage) / 100);
  return numNodes < minFeasibleNodesToFind ? minFeasibleNodesToFind : numNodes;
}

/** Upstream FitError.Error() without the preemption suffix: reasons counted, then sorted as strings. */
export function fitErrorMessage(numAllNodes: number, reasonCounts: ReadonlyMap<string, number>): string {
  const parts = [...reasonCounts].map(([reason, n]) => `${n} ${reason}`).sort();
  return parts.length === 0
    ? `0/${numAllNodes} nodes are available.`
    : `0/${numAllNodes} nodes are available: ${parts.join(', ')}.`;
}

/** Upstream selectHost: the highest total; ties resolved by reservoir sampling. */
export function selectHost(nodes: readonly NodeInfo[], totals: ArrayLike<number>, random: Random): NodeInfo | undefined {
  let best = -Infinity;
  let selected: NodeInfo | undefined;
  let ties = 0;
  for (let i = 0; i < nodes.length; i++) {
    const s = totals[i] as number;
    if (s > best) {
      best = s;
      selected = nodes[i];
      ties = 1;
    } else if (s === best) {
      ties++;
      if (random.intn(ties) === 0) selected = nodes[i];
    }
  }
  return selected;
}

function failure(message: string, diagnosis: Map<string, string[]>, retryable: boolean): ScheduleResult {
  return { ok: false, message, diagnosis, retryable };
}

export function createGenericScheduler(opts: GenericSchedulerOptions = {}): GenericSchedulerImpl {
  const filters = opts.filters ?? defaultFilterPlugins();
  const scores = opts.scores ?? defaultScorePlugins({ spreadSelectors: opts.spreadSelectors });
  const percentage = opts.percentageOfNodesToScore ?? 0;
  const minFeasible = opts.minFeasibleNodesToFind ?? MIN_FEASIBLE_NODES_TO_FIND;
  const random = opts.random ?? createRandom();
  let nextStart = 0;

  // Scratch reused across cycles (the scheduler is single-threaded).
  let active: FilterPlugin[] = [];
  const failedNodes: NodeInfo[] = [];
  const failedStatuses: PluginStatus[] = [];

  function runFilters(state: CycleState, pod: SchedPod, info: NodeInfo): PluginStatus | null {
    for (let j = 0; j < active.length; j++) {
      const s = (active[j] as FilterPlugin).filter(state, pod, info);
      if (s !== null && s.code !== 'Success' && s.code !== 'Skip') return s.plugin ? s : { ...s, plugin: (active[j] as FilterPlugin).name };
    }
    return null;
  }

  function schedule(pod: SchedPod, snapshot: Snapshot): ScheduleResult {
    const nodes = snapshot.nodes;
    const n = nodes.length;
    if (n === 0) return failure(ERR_NO_NODES_AVAILABLE, new Map(), true);
    if (nextStart >= n) nextStart = 0;
    const state: CycleState = new Map();

    active = [];
    for (const f of filters) {
      const s = f.preFilter ? f.preFilter(state, pod, snapshot) : null;
      if (s?.code === 'Skip') continue;
      if (!isSuccess(s) && s) {
        // Upstream: a PreFilter rejection applies to every node and becomes the whole message.
        const reasons = s.reasons;
        const diagnosis = new Map(nodes.map((x) => [x.name, reasons]));
        const msg = s.code === 'Error' ? reasons.join(', ') : `0/${n} nodes are available: ${reasons.join(', ')}.`;
        return failure(msg, diagnosis, s.code !== 'UnschedulableAndUnresolvable');
      }
      active.push(f);
    }

    const toFind = numFeasibleNodesToFind(n, percentage, minFeasible);
    const feasible: NodeInfo[] = [];
    failedNodes.length = 0;
    failedStatuses.length = 0;
    let processed = 0;
    for (let i = 0; i < n && feasible.length < toFind; i++) {
      const info = nodes[(nextStart + i) % n] as NodeInfo;
      processed++;
      const s = active.length === 0 ? null : runFilters(state, pod, info);
      if (s === null) feasible.push(info);
      else if (s.code === 'Error') return failure(`running "${s.plugin ?? ''}" filter plugin: ${s.reasons.join(', ')}`, new Map(), true);
      else {
        failedNodes.push(info);
        failedStatuses.push(s);
      }
    }
    nextStart = (nextStart + processed) % n;

    if (feasible.length === 0) {
      const diagnosis = new Map<string, string[]>();
      const counts = new Map<string, number>();
      let retryable = false;
      for (let i = 0; i < failedNodes.length; i++) {
        const s = failedStatuses[i] as PluginStatus;
        diagnosis.set((failedNodes[i] as NodeInfo).name, [...s.reasons]);
        if (s.code === 'Unschedulable') retryable = true;
        for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
      }
      failedNodes.length = 0;
      failedStatuses.length = 0;
      return failure(fitErrorMessage(n, counts), diagnosis, retryable);
    }
    const evaluatedNodes = processed;
    const feasibleNodes = feasible.length;
    if (feasible.length === 1) {
      return { ok: true, node: (feasible[0] as NodeInfo).name, evaluatedNodes, feasibleNodes };
    }

    const totals = new Float64Array(feasible.length);
    for (const sp of scores) {
      const pre = sp.preScore ? sp.preScore(state, pod, feasible, snapshot) : null;
      if (pre && pre.code === 'Skip') continue;
      const w = sp.weight;
      if (sp.normalize) {
        const m = new Map<string, number>();
        for (const info of feasible) m.set(info.name, sp.score(state, pod, info));
        sp.normalize(state, pod, m);
        for (let i = 0; i < feasible.length; i++) totals[i] = (totals[i] as number) + (m.get((feasible[i] as NodeInfo).name) ?? 0) * w;
      } else {
        for (let i = 0; i < feasible.length; i++) totals[i] = (totals[i] as number) + sp.score(state, pod, feasible[i] as NodeInfo) * w;
      }
    }
    const host = selectHost(feasible, totals, random) as NodeInfo;
    return { ok: true, node: host.name, evaluatedNodes, feasibleNodes };
  }

  return {
    schedule,
    get nextStartNodeIndex() {
      return nextStart;
    },
  };
}
