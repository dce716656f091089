/** The threshold logic of one probe worker (upstream prober worker.doProbe), pure so it is table-testable. */

export type ProbeResult = 'success' | 'failure' | 'unknown';
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeState {
  /** The result the kubelet acts on. */
  result: ProbeResult;
  /** The last raw outcome and how many times in a row it came. */
  last: ProbeResult | undefined;
  run: number;
}

/** Before the first probe: readiness counts as failure, liveness as success, startup unknown. */
export function initialProbeState(kind: ProbeKind): ProbeState {
  return { result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown', last: undefined, run: 0 };
}

/**
 * Applies one raw outcome: the acted-on result changes only after `failureThreshold` failures
 * or `successThreshold` successes in a row. An `unknown` outcome (the probe could not run)
 * changes nothing.
 */
export function nextProbeState(state: ProbeState, outcome: ProbeResult, thresholds: { successThreshold: number; failureThreshold: number }): ProbeState {
  if (outcome === 'unknown') return state;
  const run = state.last === outcome ? state.run + 1 : 1;
  const needed = outcome === 'success' ? thresholds.successThreshold : thresholds.failureThreshold;
  return { result: run >= needed ? outcome : state.result, last: outcome, run };
}
