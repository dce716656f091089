import type { ReplicationController } from '@tskube/api-types';
import { describe, expect, it } from 'vitest';
import { replicationControllerPrinter } from './replication-controller.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');

describe('replicationControllerPrinter', () => {
  it('prints counts as integers and the wide template columns', () => {
    const rc = {
      kind: 'ReplicationController',
      apiVersion: 'v1',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-01-01T11:58:30Z' },
      spec: {
        replicas: 3,
        selector: { app: 'web', track: 'stable' },
        template: {
          metadata: { labels: { app: 'web', track: 'stable' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] },
        },
      },
      status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
    } as ReplicationController;
    expect(replicationControllerPrinter.print(rc, NOW).cells).toEqual([
      'web',
      3,
      3,
      2,
      '90s',
      'web,log',
      'nginx:1.27,busybox',
      'app=web,track=stable',
    ]);
  });

  it('prints zeros for a controller without status', () => {
    const rc = {
      kind: 'ReplicationController',
      apiVersion: 'v1',
      metadata: { name: 'new', creationTimestamp: '2025-01-01T12:00:00Z' },
      spec: { replicas: 0, selector: { app: 'x' }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
    } as ReplicationController;
    expect(replicationControllerPrinter.print(rc, NOW).cells).toEqual(['new', 0, 0, 0, '0s', 'c', 'i', 'app=x']);
  });
});
