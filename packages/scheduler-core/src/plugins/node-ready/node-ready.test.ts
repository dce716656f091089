import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { NAME, newNodeReady } from './node-ready.js';

const REASON = 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }';

describe(NAME, () => {
  it.each([
    { name: 'Ready=True', ready: true as boolean | undefined, tolerations: [], want: null },
    { name: 'no Ready condition (created without a kubelet)', ready: undefined, tolerations: [], want: null },
    { name: 'Ready=False', ready: false, tolerations: [], want: REASON },
    {
      name: 'Ready=False, not-ready toleration',
      ready: false,
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }],
      want: null,
    },
    {
      name: 'Ready=False, the default NoExecute toleration does not help',
      ready: false,
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      want: REASON,
    },
  ])('$name', ({ ready, tolerations, want }) => {
    const info = createNodeInfo(makeNode('n1', ready === undefined ? {} : { ready }));
    const status = newNodeReady().filter(new Map(), makePod('p', { spec: { tolerations } }), info);
    if (want === null) expect(status).toBeNull();
    else expect(status).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [want] });
  });
});
