import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { NAME, newNodeResourcesBalancedAllocation } from './node-resources-balanced-allocation.js';

describe(NAME, () => {
  it.each([
    // cpu 3000/4000 = .75, memory 5000/10000 = .5 → 100 − |.75 − .5|/2 × 100 = 87
    { name: 'unbalanced after placement', pod: makePod('p', { cpu: '3000m', memory: '5000' }), existing: [], want: 87 },
    // cpu 2000/4000 = .5, memory 5000/10000 = .5 → 100
    { name: 'balanced', pod: makePod('p', { cpu: '2000m', memory: '5000' }), existing: [], want: 100 },
    // existing 1000m + pod 1000m = .5 cpu; memory 0 → 75
    { name: 'existing pods count', pod: makePod('p', { cpu: '1000m' }), existing: [makePod('a', { cpu: '1000m' })], want: 75 },
    // fractions cap at 1: cpu 8000/4000 → 1, memory 0 → 50
    { name: 'fractions cap at 1', pod: makePod('p', { cpu: '8' }), existing: [], want: 50 },
  ])('$name', ({ pod, existing, want }) => {
    const info = createNodeInfo(makeNode('n', { cpu: '4000m', memory: '10000' }), existing);
    expect(newNodeResourcesBalancedAllocation().score(new Map(), pod, info)).toBe(want);
  });
});
