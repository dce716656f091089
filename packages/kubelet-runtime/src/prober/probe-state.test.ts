import { describe, expect, it } from 'vitest';
import { initialProbeState, nextProbeState, type ProbeKind, type ProbeResult } from './probe-state.js';

describe('probe thresholds', () => {
  it.each<[ProbeKind, ProbeResult]>([
    ['readiness', 'failure'],
    ['liveness', 'success'],
    ['startup', 'unknown'],
  ])('%s starts as %s', (kind, want) => expect(initialProbeState(kind).result).toBe(want));

  const run = (kind: ProbeKind, outcomes: ProbeResult[], successThreshold: number, failureThreshold: number): ProbeResult[] => {
    let s = initialProbeState(kind);
    return outcomes.map((o) => (s = nextProbeState(s, o, { successThreshold, failureThreshold })).result);
  };

  it.each<[string, ProbeKind, ProbeResult[], number, number, ProbeResult[]]>([
    ['liveness fails after 3 in a row', 'liveness', ['failure', 'failure', 'failure'], 1, 3, ['success', 'success', 'failure']],
    ['a success in between restarts the count', 'liveness', ['failure', 'failure', 'success', 'failure', 'failure', 'failure'], 1, 3, ['success', 'success', 'success', 'success', 'success', 'failure']],
    ['readiness needs 2 successes', 'readiness', ['success', 'success', 'failure'], 2, 1, ['failure', 'success', 'failure']],
    ['unknown changes nothing', 'readiness', ['success', 'unknown', 'failure'], 1, 2, ['success', 'success', 'success']],
  ])('%s', (_n, kind, outcomes, st, ft, want) => expect(run(kind, outcomes, st, ft)).toEqual(want));
});
