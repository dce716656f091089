import { describe, expect, it } from 'vitest';
import { StatusError, type Pod, type PodStatus } from '@tskube/api-types';
import { silentLogger } from '@tskube/component-base';
import { testPod } from '../testing/fake-api.js';
import { StatusManager, statusEqual } from './status-manager.js';

describe('StatusManager', () => {
  const status: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] };

  it.each<[string, PodStatus, PodStatus, boolean]>([
    ['identical', status, structuredClone(status), true],
    ['conditions reordered', status, { ...status, conditions: [...status.conditions!].reverse() }, true],
    ['phase differs', status, { ...status, phase: 'Pending' }, false],
    ['undefined field vs missing', { phase: 'Running', podIP: undefined } as PodStatus, { phase: 'Running' }, true],
  ])('statusEqual: %s', (_n, a, b, want) => expect(statusEqual(a, b)).toBe(want));

  it('sends only changes, and nothing the apiserver already has', async () => {
    const sent: Pod[] = [];
    const m = new StatusManager({ get: async () => testPod('x'), updateStatus: async (_ns, p) => (sent.push(p), p) }, silentLogger());
    const pod = { ...testPod('x'), status };
    expect(await m.setPodStatus(pod, structuredClone(status))).toBe(false);
    expect(await m.setPodStatus(pod, { ...status, phase: 'Succeeded' })).toBe(true);
    expect(await m.setPodStatus(pod, { ...status, phase: 'Succeeded' })).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it('retries a conflict on the latest pod', async () => {
    const pod = testPod('x');
    const latest = { ...pod, metadata: { ...pod.metadata, resourceVersion: '9' } };
    const tries: Pod[] = [];
    const m = new StatusManager(
      {
        get: async () => latest,
        updateStatus: async (_ns, p) => {
          tries.push(p);
          if (tries.length === 1) throw new StatusError('Conflict', 'the object has been modified');
          return p;
        },
      },
      silentLogger(),
    );
    expect(await m.setPodStatus(pod, status)).toBe(true);
    expect(tries.map((p) => p.metadata?.resourceVersion)).toEqual([undefined, '9']);
    expect(tries[1]!.status).toEqual(status);
  });
});
