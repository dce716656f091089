import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { fits, newNodeResourcesFit, NAME } from './node-resources-fit.js';

const node = makeNode('n1', { cpu: '2', memory: '4Gi', pods: '3' });
const existing = [makePod('a', { cpu: '1', memory: '1Gi', nodeName: 'n1' })];

describe(NAME, () => {
  it.each([
    { name: 'fits in what is left', pod: makePod('p', { cpu: '1', memory: '3Gi' }), pods: existing, want: [] },
    { name: 'no requests always fit', pod: makePod('p'), pods: existing, want: [] },
    { name: 'cpu over what is left', pod: makePod('p', { cpu: '1001m' }), pods: existing, want: ['Insufficient cpu'] },
    { name: 'memory over what is left', pod: makePod('p', { memory: '3073Mi' }), pods: existing, want: ['Insufficient memory'] },
    { name: 'both over', pod: makePod('p', { cpu: '3', memory: '5Gi' }), pods: [], want: ['Insufficient cpu', 'Insufficient memory'] },
    {
      name: 'pod slots full, even without requests',
      pod: makePod('p'),
      pods: [makePod('a'), makePod('b'), makePod('c')],
      want: ['Too many pods'],
    },
    {
      name: 'all three, in upstream order',
      pod: makePod('p', { cpu: '2', memory: '4Gi' }),
      pods: [makePod('a', { cpu: '1' }), makePod('b', { memory: '1' }), makePod('c')],
      want: ['Too many pods', 'Insufficient cpu', 'Insufficient memory'],
    },
  ])('$name', ({ pod, pods, want }) => {
    const info = createNodeInfo(node, pods);
    expect(fits(pod, info)).toEqual(want);
    const plugin = newNodeResourcesFit();
    const state = new Map<string, unknown>();
    expect(plugin.preFilter?.(state, pod, { nodes: [info], get: () => info })).toBeNull();
    const status = plugin.filter(state, pod, info);
    if (want.length === 0) expect(status).toBeNull();
    else expect(status).toMatchObject({ code: 'Unschedulable', reasons: want, plugin: NAME });
  });

  it('counts init containers as max(sum(containers), max(init)) as upstream', () => {
    const pod = makePod('p', {
      cpu: '500m',
      spec: {
        containers: [
          { name: 'a', image: 'x', resources: { requests: { cpu: '500m' } } },
          { name: 'b', image: 'x', resources: { requests: { cpu: '500m' } } },
        ],
        initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '1500m' } } }],
      },
    });
    expect(fits(pod, createNodeInfo(makeNode('n', { cpu: '1500m' })))).toEqual([]);
    expect(fits(pod, createNodeInfo(makeNode('n', { cpu: '1499m' })))).toEqual(['Insufficient cpu']);
  });
});
