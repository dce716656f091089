import { describe, expect, it } from 'vitest';
import { createNodeInfo } from '../../node-info.js';
import { makeNode, makePod } from '../../testing/builders.js';
import type { SchedPod } from '../../types.js';
import { ERR_REASON_DISK_CONFLICT, NAME, fits, newVolumeRestrictions } from './volume-restrictions.js';

function withHostPath(name: string, path: string, readOnly: boolean, nodeName?: string): SchedPod {
  return makePod(name, {
    ...(nodeName ? { nodeName } : {}),
    spec: {
      containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/data', readOnly }] }],
      volumes: [{ name: 'v', hostPath: { path } }],
    },
  });
}

describe(NAME, () => {
  it.each([
    { name: 'different paths', existing: withHostPath('a', '/a', false), pod: withHostPath('p', '/b', false), conflict: false },
    { name: 'same path, both read-write', existing: withHostPath('a', '/a', false), pod: withHostPath('p', '/a', false), conflict: true },
    { name: 'same path, one read-write', existing: withHostPath('a', '/a', true), pod: withHostPath('p', '/a', false), conflict: true },
    { name: 'same path, both read-only', existing: withHostPath('a', '/a', true), pod: withHostPath('p', '/a', true), conflict: false },
    { name: 'existing pod has no volumes', existing: makePod('a'), pod: withHostPath('p', '/a', false), conflict: false },
  ])('$name', ({ existing, pod, conflict }) => {
    const info = createNodeInfo(makeNode('n1'), [existing]);
    expect(fits(pod, info)).toBe(!conflict);
    const plugin = newVolumeRestrictions();
    const state = new Map<string, unknown>();
    expect(plugin.preFilter?.(state, pod, { nodes: [info], get: () => info })).toBeNull();
    const status = plugin.filter(state, pod, info);
    if (!conflict) expect(status).toBeNull();
    else expect(status).toMatchObject({ code: 'Unschedulable', reasons: [ERR_REASON_DISK_CONFLICT] });
  });

  it('skips pods without hostPath volumes', () => {
    expect(newVolumeRestrictions().preFilter?.(new Map(), makePod('p'), { nodes: [], get: () => undefined })?.code).toBe(
      'Skip',
    );
  });
});
