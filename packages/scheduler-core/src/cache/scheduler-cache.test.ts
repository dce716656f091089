import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { createSchedulerCache } from './scheduler-cache.js';

const GiB = 1024 ** 3;

function withNodes(...names: string[]) {
  const cache = createSchedulerCache();
  for (const n of names) cache.addNode(makeNode(n, { cpu: '4', memory: '8Gi' }));
  return cache;
}

const requested = (cache: ReturnType<typeof createSchedulerCache>, node: string) => {
  const info = cache.snapshot().get(node);
  return info && { cpu: info.requested.milliCPU, memory: info.requested.memory, pods: info.pods.length };
};

describe('createSchedulerCache', () => {
  it('counts an assumed pod on its node at once, and forgets it when the bind fails', () => {
    const cache = withNodes('n1');
    const pod = makePod('p', { cpu: '1', memory: '1Gi' });
    cache.assumePod(pod, 'n1');
    expect(cache.isAssumed(pod)).toBe(true);
    expect(requested(cache, 'n1')).toEqual({ cpu: 1000, memory: GiB, pods: 1 });
    expect(cache.snapshot().get('n1')?.pods[0]?.spec?.nodeName).toBe('n1');
    cache.forgetPod(pod);
    expect(cache.isAssumed(pod)).toBe(false);
    expect(requested(cache, 'n1')).toEqual({ cpu: 0, memory: 0, pods: 0 });
  });

  it.each([
    { name: 'on the assumed node', landed: 'n1', want: { n1: 1000, n2: 0 } },
    { name: 'on another node (moved)', landed: 'n2', want: { n1: 0, n2: 1000 } },
  ])('confirms an assumed pod when its add is observed $name', ({ landed, want }) => {
    const cache = withNodes('n1', 'n2');
    const pod = makePod('p', { cpu: '1' });
    cache.assumePod(pod, 'n1');
    cache.finishBinding(pod);
    cache.addPod({ ...pod, spec: { ...pod.spec, nodeName: landed } } as typeof pod);
    expect(cache.isAssumed(pod)).toBe(false);
    expect({ n1: requested(cache, 'n1')?.cpu, n2: requested(cache, 'n2')?.cpu }).toEqual(want);
    expect(cache.podCount()).toBe(1);
    // A confirmed pod is not forgotten by a late forget.
    cache.forgetPod(pod);
    expect(cache.podCount()).toBe(1);
  });

  it('confirms an assumed pod observed through an update', () => {
    const cache = withNodes('n1');
    const pending = makePod('p', { cpu: '1' });
    cache.assumePod(pending, 'n1');
    cache.updatePod(pending, { ...pending, spec: { ...pending.spec, nodeName: 'n1' } } as typeof pending);
    expect(cache.isAssumed(pending)).toBe(false);
    expect(requested(cache, 'n1')?.cpu).toBe(1000);
  });

  it('keeps pods of nodes not seen yet and attaches them when the node arrives', () => {
    const cache = withNodes('n1');
    cache.addPod(makePod('a', { cpu: '500m', nodeName: 'later' }));
    expect(cache.snapshot().get('later')).toBeUndefined();
    expect(cache.nodeNames()).toEqual(['n1']);
    cache.addNode(makeNode('later'));
    expect(requested(cache, 'later')).toEqual({ cpu: 500, memory: 0, pods: 1 });
    expect(cache.snapshot().nodes.map((n) => n.name).sort()).toEqual(['later', 'n1']);
  });

  it('keeps pods of a removed node until they are removed; updates and removals adjust sums', () => {
    const cache = withNodes('n1');
    const a = makePod('a', { cpu: '1', nodeName: 'n1', hostPorts: [{ port: 80 }] });
    cache.addPod(a);
    expect(cache.snapshot().get('n1')?.usedPorts.has('TCP/0.0.0.0/80')).toBe(true);
    const bigger = makePod('a', { uid: a.metadata.uid, cpu: '2', nodeName: 'n1' });
    cache.updatePod(a, bigger);
    expect(requested(cache, 'n1')).toEqual({ cpu: 2000, memory: 0, pods: 1 });
    expect(cache.snapshot().get('n1')?.usedPorts.size).toBe(0);
    cache.removeNode(makeNode('n1'));
    expect(cache.snapshot().nodes).toHaveLength(0);
    cache.addNode(makeNode('n1'));
    expect(requested(cache, 'n1')?.cpu).toBe(2000);
    cache.removePod(bigger);
    expect(requested(cache, 'n1')).toEqual({ cpu: 0, memory: 0, pods: 0 });
  });

  it('ignores pods without a node name', () => {
    const cache = withNodes('n1');
    cache.addPod(makePod('pending', { cpu: '1' }));
    expect(cache.podCount()).toBe(0);
  });

  it('takes snapshots copy-on-write: unchanged NodeInfos are reused, old snapshots never change', () => {
    const cache = withNodes('n1', 'n2', 'n3');
    const s1 = cache.snapshot();
    expect(cache.snapshot()).toBe(s1);
    cache.assumePod(makePod('p', { cpu: '1' }), 'n2');
    const s2 = cache.snapshot();
    expect(s2).not.toBe(s1);
    expect(s2.get('n1')).toBe(s1.get('n1'));
    expect(s2.get('n3')).toBe(s1.get('n3'));
    expect(s2.get('n2')).not.toBe(s1.get('n2'));
    expect(s2.get('n2')?.generation).toBeGreaterThan(s1.get('n2')?.generation ?? Infinity);
    expect(s1.get('n2')?.requested.milliCPU).toBe(0);
    expect(s2.get('n2')?.requested.milliCPU).toBe(1000);
    expect(s2.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
  });

  it('uses allocatable, falling back to capacity', () => {
    const cache = createSchedulerCache();
    cache.addNode({ metadata: { name: 'cap' }, status: { capacity: { cpu: '2', memory: '1Gi', pods: '10' } } });
    expect(cache.snapshot().get('cap')?.allocatable).toEqual({ milliCPU: 2000, memory: GiB, pods: 10 });
  });

  it('tracks non-zero requests for scoring (100m / 200Mi per container without requests)', () => {
    const cache = withNodes('n1');
    cache.addPod(makePod('a', { nodeName: 'n1' }));
    cache.addPod(makePod('b', { nodeName: 'n1', cpu: '0', memory: '0' }));
    const info = cache.snapshot().get('n1');
    expect(info?.requested).toEqual({ milliCPU: 0, memory: 0, pods: 2 });
    expect(info?.nonZeroRequested).toEqual({ milliCPU: 100, memory: 200 * 1024 * 1024, pods: 2 });
  });
});
