import { describe, expect, it } from 'vitest';
import type { ContainerStatus, SandboxStatus } from '../runtime/types.js';
import { selectGarbage } from './gc.js';
import { Snapshot } from './runtime-cache.js';

const c = (id: string, name: string, createdAt: number, state: ContainerStatus['state'], sandboxId = 'sb2', podUid = 'u'): ContainerStatus => ({
  id, name, createdAt, state, sandboxId, podUid, image: 'i', imageId: 'x', restartCount: createdAt, specHash: 'h', labels: {},
});
const sb = (id: string, createdAt: number, state: SandboxStatus['state'], podUid = 'u'): SandboxStatus => ({
  id, podUid, podName: 'p', podNamespace: 'default', state, ip: '', createdAt, labels: {},
});

describe('selectGarbage', () => {
  it('keeps the running and the newest dead instance per container, and sandboxes still referenced', () => {
    const snap = new Snapshot(
      [sb('sb0', 0, 'notready'), sb('sb1', 1, 'notready'), sb('sb2', 2, 'ready'), sb('other', 0, 'notready', 'gone')],
      [
        c('a3', 'a', 3, 'running'),
        c('a2', 'a', 2, 'exited', 'sb1'),
        c('a1', 'a', 1, 'exited', 'sb0'),
        c('b2', 'b', 2, 'exited'),
        c('b1', 'b', 1, 'exited'),
        c('x', 'a', 1, 'exited', 'other', 'gone'),
      ],
    );
    const g = selectGarbage(snap, new Set(['u']));
    expect(g.containers.sort()).toEqual(['a1', 'b1']);
    expect(g.sandboxes).toEqual(['sb0']);
  });
});
