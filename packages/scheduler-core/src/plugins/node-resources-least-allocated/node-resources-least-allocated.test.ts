import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { NAME, newNodeResourcesLeastAllocated } from './node-resources-least-allocated.js';

// Upstream's worked examples (least_allocated_test.go): node 4000m / 10000 bytes.
describe(NAME, () => {
  it.each([
    // cpu (4000-0-100)*100/4000 = 97 (non-zero default 100m); memory (10000-0-200Mi)→ over capacity → 0; (97+0)/2 = 48
    { name: 'pod without requests uses the non-zero defaults', pod: makePod('p'), existing: [], node: { cpu: '4000m', memory: '10000' }, want: 48 },
    // cpu (4000-3000)*100/4000 = 25; memory (10000-5000)*100/10000 = 50 → 37
    { name: 'requests count', pod: makePod('p', { cpu: '3000m', memory: '5000' }), existing: [], node: { cpu: '4000m', memory: '10000' }, want: 37 },
    // existing 1000m/2000 + pod 2000m/3000: cpu 25, memory 50 → 37
    {
      name: 'existing pods count',
      pod: makePod('p', { cpu: '2000m', memory: '3000' }),
      existing: [makePod('a', { cpu: '1000m', memory: '2000' })],
      node: { cpu: '4000m', memory: '10000' },
      want: 37,
    },
    { name: 'empty large node', pod: makePod('p', { cpu: '0', memory: '0' }), existing: [], node: { cpu: '4', memory: '8Gi' }, want: 100 },
    { name: 'over capacity scores 0', pod: makePod('p', { cpu: '5', memory: '9Gi' }), existing: [], node: { cpu: '4', memory: '8Gi' }, want: 0 },
  ])('$name', ({ pod, existing, node, want }) => {
    const info = createNodeInfo(makeNode('n', node), existing);
    expect(newNodeResourcesLeastAllocated().score(new Map(), pod, info)).toBe(want);
  });
});
