import type { Taint, Toleration } from '@tskube/api-types';
import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { NAME, newTaintToleration } from './taint-toleration.js';

const snapshotOf = (infos: ReturnType<typeof createNodeInfo>[]) => ({ nodes: infos, get: (n: string) => infos.find((i) => i.name === n) });

describe(`${NAME} filter`, () => {
  it.each<{ name: string; taints: Taint[]; tolerations: Toleration[]; want: string | null }>([
    { name: 'no taints', taints: [], tolerations: [], want: null },
    { name: 'NoSchedule untolerated', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], tolerations: [], want: 'node(s) had untolerated taint {k: v}' },
    { name: 'NoExecute untolerated', taints: [{ key: 'k', effect: 'NoExecute' }], tolerations: [], want: 'node(s) had untolerated taint {k: }' },
    { name: 'PreferNoSchedule does not filter', taints: [{ key: 'k', effect: 'PreferNoSchedule' }], tolerations: [], want: null },
    { name: 'Equal toleration', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }], want: null },
    { name: 'Equal toleration, other value', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], tolerations: [{ key: 'k', value: 'w' }], want: 'node(s) had untolerated taint {k: v}' },
    { name: 'Exists toleration, any effect', taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }], tolerations: [{ key: 'k', operator: 'Exists' }], want: null },
    { name: 'toleration for another effect', taints: [{ key: 'k', effect: 'NoSchedule' }], tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }], want: 'node(s) had untolerated taint {k: }' },
    { name: 'empty key + Exists tolerates all', taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'NoExecute' }], tolerations: [{ operator: 'Exists' }], want: null },
  ])('$name', ({ taints, tolerations, want }) => {
    const info = createNodeInfo(makeNode('n1', { spec: { taints } }));
    const status = newTaintToleration().filter(new Map(), makePod('p', { spec: { tolerations } }), info);
    if (want === null) expect(status).toBeNull();
    else expect(status).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [want] });
  });
});

describe(`${NAME} score`, () => {
  const prefer = (key: string): Taint => ({ key, effect: 'PreferNoSchedule' });
  it.each<{ name: string; tolerations: Toleration[]; want: Record<string, number> }>([
    // n0 has no taint, n1 one, n2 two: fewer untolerated PreferNoSchedule taints score higher.
    { name: 'no tolerations', tolerations: [], want: { n0: 100, n1: 50, n2: 0 } },
    { name: 'tolerating a', tolerations: [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }], want: { n0: 100, n1: 100, n2: 0 } },
    { name: 'tolerating everything', tolerations: [{ operator: 'Exists' }], want: { n0: 100, n1: 100, n2: 100 } },
  ])('$name', ({ tolerations, want }) => {
    const infos = [
      createNodeInfo(makeNode('n0')),
      createNodeInfo(makeNode('n1', { spec: { taints: [prefer('a')] } })),
      createNodeInfo(makeNode('n2', { spec: { taints: [prefer('a'), prefer('b')] } })),
    ];
    const plugin = newTaintToleration();
    const pod = makePod('p', { spec: { tolerations } });
    const state = new Map<string, unknown>();
    expect(plugin.preScore?.(state, pod, infos, snapshotOf(infos))).toBeNull();
    const scores = new Map(infos.map((i) => [i.name, plugin.score(state, pod, i)]));
    plugin.normalize?.(state, pod, scores);
    expect(Object.fromEntries(scores)).toEqual(want);
  });

  it('skips scoring when no node has a PreferNoSchedule taint', () => {
    const infos = [createNodeInfo(makeNode('n0'))];
    expect(newTaintToleration().preScore?.(new Map(), makePod('p'), infos, snapshotOf(infos))).toMatchObject({ code: 'Skip' });
  });
});
