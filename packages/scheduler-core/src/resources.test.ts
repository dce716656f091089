import { describe, expect, it } from 'vitest';
import { computePodRequests, nodeAllocatable } from './resources.js';
import { makePod } from './testing/builders.js';

const Mi = 1024 * 1024;
const c = (name: string, requests?: Record<string, string>) => ({ name, image: 'x', ...(requests ? { resources: { requests } } : {}) });

describe('computePodRequests', () => {
  it.each([
    { name: 'sums containers', spec: { containers: [c('a', { cpu: '100m', memory: '1Mi' }), c('b', { cpu: '1', memory: '2Mi' })] }, req: [1100, 3 * Mi], nz: [1100, 3 * Mi] },
    { name: 'non-zero defaults per container without requests', spec: { containers: [c('a'), c('b')] }, req: [0, 0], nz: [200, 400 * Mi] },
    { name: 'an explicit 0 stays 0 for scoring', spec: { containers: [c('a', { cpu: '0', memory: '0' })] }, req: [0, 0], nz: [0, 0] },
    {
      name: 'init containers: max(sum, max(init))',
      spec: { containers: [c('a', { cpu: '200m', memory: '10Mi' })], initContainers: [c('i', { cpu: '1', memory: '1Mi' })] },
      req: [1000, 10 * Mi],
      nz: [1000, 10 * Mi],
    },
    { name: 'overhead is added', spec: { containers: [c('a', { cpu: '100m' })], overhead: { cpu: '50m', memory: '1Mi' } }, req: [150, Mi], nz: [150, 201 * Mi] },
  ])('$name', ({ spec, req, nz }) => {
    const r = computePodRequests(makePod('p', { spec: spec as never }));
    expect([r.requested.milliCPU, r.requested.memory]).toEqual(req);
    expect([r.nonZero.milliCPU, r.nonZero.memory]).toEqual(nz);
  });
});

describe('nodeAllocatable', () => {
  type Status = { capacity?: Record<string, string>; allocatable?: Record<string, string> };
  it.each<{ name: string; status: Status | undefined; want: object }>([
    { name: 'allocatable wins', status: { capacity: { cpu: '4', memory: '2Gi', pods: '20' }, allocatable: { cpu: '3500m', memory: '1Gi', pods: '10' } }, want: { milliCPU: 3500, memory: 1024 * Mi, pods: 10 } },
    { name: 'capacity per missing resource', status: { capacity: { cpu: '4', memory: '2Gi' }, allocatable: { cpu: '3' } }, want: { milliCPU: 3000, memory: 2048 * Mi, pods: 110 } },
    { name: 'nothing reported', status: undefined, want: { milliCPU: 0, memory: 0, pods: 110 } },
  ])('$name', ({ status, want }) => {
    expect(nodeAllocatable({ ...(status ? { status } : {}) })).toEqual(want);
  });
});
