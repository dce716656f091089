import type { Node } from '@tskube/api-types';
import { describe, expect, it } from 'vitest';
import { nodePrinter } from './node.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');

function node(over: { labels?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean } = {}): Node {
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name: 'node-1', labels: over.labels ?? {}, creationTimestamp: '2024-12-29T11:00:00Z' },
    spec: over.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: over.ready
        ? [
            { type: 'MemoryPressure', status: 'False' },
            { type: 'Ready', status: over.ready, reason: 'KubeletReady' },
          ]
        : [],
      addresses: [
        { type: 'Hostname', address: 'node-1' },
        { type: 'InternalIP', address: '192.168.1.10' },
      ],
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '6.1.0-18-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'docker://24.0.7',
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: 'v1.32.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  } as Node;
}

describe('nodePrinter', () => {
  it.each<[string, Node, string, string]>([
    ['ready worker', node({ ready: 'True' }), 'Ready', '<none>'],
    ['not ready', node({ ready: 'False' }), 'NotReady', '<none>'],
    ['unknown readiness', node({ ready: 'Unknown' }), 'NotReady', '<none>'],
    ['no Ready condition yet', node(), 'Unknown', '<none>'],
    ['cordoned', node({ ready: 'True', unschedulable: true }), 'Ready,SchedulingDisabled', '<none>'],
    ['cordoned and down', node({ ready: 'False', unschedulable: true }), 'NotReady,SchedulingDisabled', '<none>'],
    [
      'roles from node-role labels, sorted',
      node({ ready: 'True', labels: { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '' } }),
      'Ready',
      'control-plane,master',
    ],
    ['role from kubernetes.io/role', node({ ready: 'True', labels: { 'kubernetes.io/role': 'worker' } }), 'Ready', 'worker'],
    [
      'empty role names are ignored, duplicates merged',
      node({ ready: 'True', labels: { 'node-role.kubernetes.io/': '', 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/edge': '' } }),
      'Ready',
      'edge',
    ],
  ])('%s', (_name, n, status, roles) => {
    const cells = nodePrinter.print(n, NOW).cells;
    expect(cells.slice(0, 5)).toEqual(['node-1', status, roles, '3d1h', 'v1.32.0']);
  });

  it('renders the wide columns', () => {
    const n = node({ ready: 'True' });
    n.status!.addresses!.push({ type: 'ExternalIP', address: '203.0.113.7' });
    expect(nodePrinter.print(n, NOW).cells.slice(5)).toEqual([
      '192.168.1.10',
      '203.0.113.7',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0-18-amd64',
      'docker://24.0.7',
    ]);
  });

  it('prints <none>/<unknown> for a node that has not reported yet', () => {
    const n: Node = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'fresh' } } as Node;
    expect(nodePrinter.print(n, NOW).cells).toEqual(['fresh', 'Unknown', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});
