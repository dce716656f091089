import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { ERR_REASON, NAME, fits, newNodeName } from './node-name.js';

describe(NAME, () => {
  it.each([
    { name: 'no node name → fits anywhere', nodeName: undefined, want: null },
    { name: 'same node → fits', nodeName: 'n1', want: null },
    { name: 'other node → UnschedulableAndUnresolvable', nodeName: 'n2', want: ERR_REASON },
  ])('$name', ({ nodeName, want }) => {
    const pod = makePod('p', nodeName ? { nodeName } : {});
    const info = createNodeInfo(makeNode('n1'));
    expect(fits(pod, info)).toBe(want === null);
    const status = newNodeName().filter(new Map(), pod, info);
    if (want === null) expect(status).toBeNull();
    else expect(status).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: [want] });
  });

  it('skips itself in PreFilter when the pod names no node', () => {
    const pod = makePod('p');
    expect(newNodeName().preFilter?.(new Map(), pod, { nodes: [], get: () => undefined })?.code).toBe('Skip');
  });
});
