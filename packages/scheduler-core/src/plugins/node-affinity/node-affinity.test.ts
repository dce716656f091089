import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { ERR_REASON_POD, NAME, newNodeAffinity, type NodeSelectorTerm } from './node-affinity.js';

const labels = { zone: 'a', disk: 'ssd', cores: '8' };

function podWith(nodeSelector?: Record<string, string>, terms?: NodeSelectorTerm[]) {
  return makePod('p', {
    ...(nodeSelector ? { nodeSelector } : {}),
    ...(terms ? { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } } : {}),
  });
}
const expr = (key: string, operator: string, values?: string[]): NodeSelectorTerm => ({
  matchExpressions: [{ key, operator, ...(values ? { values } : {}) }],
});

describe(NAME, () => {
  it.each<{ name: string; selector?: Record<string, string>; terms?: NodeSelectorTerm[]; match: boolean }>([
    { name: 'nodeSelector matches', selector: { zone: 'a' }, match: true },
    { name: 'nodeSelector value differs', selector: { zone: 'b' }, match: false },
    { name: 'nodeSelector key missing', selector: { gpu: 'true' }, match: false },
    { name: 'In', terms: [expr('disk', 'In', ['hdd', 'ssd'])], match: true },
    { name: 'In, no value matches', terms: [expr('disk', 'In', ['hdd'])], match: false },
    { name: 'NotIn', terms: [expr('disk', 'NotIn', ['hdd'])], match: true },
    { name: 'NotIn, missing key matches', terms: [expr('gpu', 'NotIn', ['x'])], match: true },
    { name: 'NotIn excludes', terms: [expr('disk', 'NotIn', ['ssd'])], match: false },
    { name: 'Exists', terms: [expr('zone', 'Exists')], match: true },
    { name: 'Exists, missing', terms: [expr('gpu', 'Exists')], match: false },
    { name: 'DoesNotExist', terms: [expr('gpu', 'DoesNotExist')], match: true },
    { name: 'DoesNotExist, present', terms: [expr('zone', 'DoesNotExist')], match: false },
    { name: 'Gt', terms: [expr('cores', 'Gt', ['4'])], match: true },
    { name: 'Gt, not greater', terms: [expr('cores', 'Gt', ['8'])], match: false },
    { name: 'Lt', terms: [expr('cores', 'Lt', ['16'])], match: true },
    { name: 'Lt on a non-integer label', terms: [expr('zone', 'Lt', ['16'])], match: false },
    { name: 'terms are ORed', terms: [expr('disk', 'In', ['hdd']), expr('zone', 'In', ['a'])], match: true },
    {
      name: 'expressions in a term are ANDed',
      terms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }, { key: 'zone', operator: 'In', values: ['b'] }] }],
      match: false,
    },
    { name: 'matchFields metadata.name In', terms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }], match: true },
    { name: 'matchFields metadata.name NotIn', terms: [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }], match: false },
    { name: 'an empty term matches nothing', terms: [{}], match: false },
    { name: 'no terms match nothing', terms: [], match: false },
    { name: 'an unknown operator matches nothing', terms: [expr('zone', 'Like', ['a'])], match: false },
    { name: 'nodeSelector AND affinity', selector: { zone: 'b' }, terms: [expr('disk', 'Exists')], match: false },
  ])('$name', ({ selector, terms, match }) => {
    const info = createNodeInfo(makeNode('n1', { labels }));
    const pod = podWith(selector, terms);
    const plugin = newNodeAffinity();
    const state = new Map<string, unknown>();
    expect(plugin.preFilter?.(state, pod, { nodes: [info], get: () => info })).toBeNull();
    const status = plugin.filter(state, pod, info);
    if (match) expect(status).toBeNull();
    else expect(status).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_POD] });
  });

  it('skips pods with neither nodeSelector nor required affinity', () => {
    expect(newNodeAffinity().preFilter?.(new Map(), makePod('p'), { nodes: [], get: () => undefined })?.code).toBe('Skip');
  });
});
