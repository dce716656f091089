import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import type { SchedPod } from '../../types.js';
import { NAME, defaultSelector, newSelectorSpread, staticSpreadSelectors } from './selector-spread.js';

const web = { app: 'web' };
const lister = staticSpreadSelectors({
  services: [{ namespace: 'default', selector: web }],
  controllers: [{ namespace: 'other', selector: web }, { namespace: 'default', selector: {} }],
});

function scoresFor(pod: SchedPod, layout: Record<string, SchedPod[]>, zones: Record<string, string> = {}) {
  const infos = Object.entries(layout).map(([n, pods]) =>
    createNodeInfo(makeNode(n, zones[n] ? { labels: { 'topology.kubernetes.io/zone': zones[n] } } : {}), pods),
  );
  const plugin = newSelectorSpread({ spreadSelectors: lister });
  const state = new Map<string, unknown>();
  const pre = plugin.preScore?.(state, pod, infos, { nodes: infos, get: () => undefined });
  if (pre?.code === 'Skip') return 'skip';
  const scores = new Map(infos.map((i) => [i.name, plugin.score(state, pod, i)]));
  plugin.normalize?.(state, pod, scores);
  return Object.fromEntries(scores);
}

const webPod = (name: string, ns = 'default') => makePod(name, { labels: web, namespace: ns });

describe(NAME, () => {
  it.each<{ name: string; layout: Record<string, SchedPod[]>; want: Record<string, number> }>([
    { name: 'no matching pods anywhere → all 100', layout: { n1: [], n2: [] }, want: { n1: 100, n2: 100 } },
    { name: 'fewer matching pods score higher', layout: { n1: [webPod('a'), webPod('b')], n2: [webPod('c')], n3: [] }, want: { n1: 0, n2: 50, n3: 100 } },
    {
      name: 'pods of other namespaces or labels do not count',
      layout: { n1: [webPod('a', 'other'), makePod('x', { labels: { app: 'db' } })], n2: [webPod('c')] },
      want: { n1: 100, n2: 0 },
    },
  ])('$name', ({ layout, want }) => {
    expect(scoresFor(webPod('p'), layout)).toEqual(want);
  });

  it('blends in zones: node 1/3, zone 2/3', () => {
    // zone z1 holds 2 matching pods (n1), zone z2 none: n2 shares z1 → node 100, zone 0 → 33.
    const got = scoresFor(webPod('p'), { n1: [webPod('a'), webPod('b')], n2: [], n3: [] }, { n1: 'z1', n2: 'z1', n3: 'z2' });
    expect(got).toEqual({ n1: 0, n2: 33, n3: 100 });
  });

  it('skips a pod that no Service or RC selects (empty selectors select nothing)', () => {
    expect(scoresFor(makePod('p', { labels: { app: 'db' } }), { n1: [] })).toBe('skip');
    expect(defaultSelector(makePod('p'), lister)).toBeUndefined();
  });

  it('merges the selectors of every selecting Service and RC', () => {
    const both = staticSpreadSelectors({
      services: [{ namespace: 'default', selector: { app: 'web' } }],
      controllers: [{ namespace: 'default', selector: { app: 'web', track: 'canary' } }],
    });
    const pod = makePod('p', { labels: { app: 'web', track: 'canary' } });
    expect(defaultSelector(pod, both)).toEqual({ keys: ['app', 'track'], values: ['web', 'canary'] });
  });
});
