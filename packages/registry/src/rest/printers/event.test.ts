import type { Event } from '@tskube/api-types';
import { describe, expect, it } from 'vitest';
import { eventPrinter } from './event.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');

const base = {
  kind: 'Event',
  apiVersion: 'v1',
  metadata: { name: 'nginx.17e0c0b1a2b3c4d5', namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'nginx', apiVersion: 'v1', fieldPath: 'spec.containers{nginx}' },
  reason: 'Pulled',
  message: 'Container image "nginx" already present on machine\n',
  type: 'Normal',
  source: { component: 'kubelet', host: 'node-1' },
};

describe('eventPrinter', () => {
  it('prints a repeated kubelet event', () => {
    const ev = { ...base, firstTimestamp: '2025-01-01T11:00:00Z', lastTimestamp: '2025-01-01T11:57:00Z', count: 4 } as Event;
    expect(eventPrinter.print(ev, NOW).cells).toEqual([
      '3m',
      'Normal',
      'Pulled',
      'pod/nginx',
      'spec.containers{nginx}',
      'kubelet, node-1',
      'Container image "nginx" already present on machine',
      '60m',
      4,
      'nginx.17e0c0b1a2b3c4d5',
    ]);
  });

  it.each<[string, Partial<Event>, Record<number, unknown>]>([
    ['no lastTimestamp: Last Seen is First Seen; no count means 1', { firstTimestamp: '2025-01-01T11:59:00Z' }, { 0: '60s', 7: '60s', 8: 1 }],
    ['only eventTime (events.k8s.io style)', { eventTime: '2025-01-01T11:59:50.123456Z' }, { 0: '9s', 7: '9s', 8: 1 }],
    [
      'a series overrides Last Seen and Count',
      { eventTime: '2025-01-01T11:00:00.000000Z', series: { count: 7, lastObservedTime: '2025-01-01T11:58:00.000000Z' } },
      { 0: '2m', 7: '60m', 8: 7 },
    ],
    ['no timestamps at all', {}, { 0: '<unknown>', 7: '<unknown>' }],
    [
      'source falls back to the reporting controller and instance',
      { source: {}, reportingComponent: 'default-scheduler', reportingInstance: 'master-1' },
      { 5: 'default-scheduler, master-1' },
    ],
    ['source without a host', { source: { component: 'replication-controller' } }, { 5: 'replication-controller' }],
    ['object without a name', { involvedObject: { kind: 'Node' } }, { 3: 'node' }],
  ])('%s', (_name, over, want) => {
    const cells = eventPrinter.print({ ...base, ...over } as Event, NOW).cells;
    for (const [i, v] of Object.entries(want)) expect(cells[Number(i)], `cell ${i}`).toEqual(v);
  });
});
