import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { ERR_REASON_UNSCHEDULABLE, NAME, newNodeUnschedulable } from './node-unschedulable.js';

const tolerate = { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' };

describe(NAME, () => {
  it.each([
    { name: 'schedulable node', unschedulable: false, tolerations: [], want: null },
    { name: 'cordoned node', unschedulable: true, tolerations: [], want: ERR_REASON_UNSCHEDULABLE },
    { name: 'cordoned node, toleration', unschedulable: true, tolerations: [tolerate], want: null },
    { name: 'cordoned node, tolerate-everything', unschedulable: true, tolerations: [{ operator: 'Exists' }], want: null },
    {
      name: 'cordoned node, NoExecute-only toleration does not help',
      unschedulable: true,
      tolerations: [{ ...tolerate, effect: 'NoExecute' }],
      want: ERR_REASON_UNSCHEDULABLE,
    },
  ])('$name', ({ unschedulable, tolerations, want }) => {
    const info = createNodeInfo(makeNode('n1', { spec: { unschedulable } }));
    const status = newNodeUnschedulable().filter(new Map(), makePod('p', { spec: { tolerations } }), info);
    if (want === null) expect(status).toBeNull();
    else expect(status).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [want] });
  });
});
