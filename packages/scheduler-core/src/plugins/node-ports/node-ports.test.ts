import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { ERR_REASON, NAME, newNodePorts } from './node-ports.js';

type Ports = { port: number; protocol?: string; hostIP?: string }[];

describe(NAME, () => {
  it.each<{ name: string; used: Ports; wanted: Ports; conflict: boolean }>([
    { name: 'free port', used: [{ port: 80 }], wanted: [{ port: 8080 }], conflict: false },
    { name: 'same port, all IPs', used: [{ port: 80 }], wanted: [{ port: 80 }], conflict: true },
    { name: 'same port, other protocol', used: [{ port: 53 }], wanted: [{ port: 53, protocol: 'UDP' }], conflict: false },
    { name: 'different specific IPs', used: [{ port: 80, hostIP: '10.0.0.1' }], wanted: [{ port: 80, hostIP: '10.0.0.2' }], conflict: false },
    { name: 'all IPs vs a specific IP in use', used: [{ port: 80, hostIP: '10.0.0.1' }], wanted: [{ port: 80 }], conflict: true },
    { name: 'specific IP vs all IPs in use', used: [{ port: 80 }], wanted: [{ port: 80, hostIP: '10.0.0.1' }], conflict: true },
  ])('$name', ({ used, wanted, conflict }) => {
    const info = createNodeInfo(makeNode('n1'), [makePod('a', { nodeName: 'n1', hostPorts: used })]);
    const pod = makePod('p', { hostPorts: wanted });
    const plugin = newNodePorts();
    const state = new Map<string, unknown>();
    expect(plugin.preFilter?.(state, pod, { nodes: [info], get: () => info })).toBeNull();
    const status = plugin.filter(state, pod, info);
    if (!conflict) expect(status).toBeNull();
    else expect(status).toMatchObject({ code: 'Unschedulable', reasons: [ERR_REASON] });
  });

  it('skips pods without host ports', () => {
    expect(newNodePorts().preFilter?.(new Map(), makePod('p'), { nodes: [], get: () => undefined })?.code).toBe('Skip');
  });
});
