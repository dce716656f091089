import type { Lease } from '@tskube/api-types';
import { describe, expect, it } from 'vitest';
import { leasePrinter } from './lease.js';
import { toTable } from './to-table.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const lease = (spec: Lease['spec']): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: '2025-01-01T11:55:00Z' },
  spec,
});

describe('leasePrinter', () => {
  it('has kubectl\'s columns', () => {
    expect(leasePrinter.columns.map((c) => c.name)).toEqual(['Name', 'Holder', 'Age']);
  });

  it.each<[string, Lease['spec'], string]>([
    ['a held lease shows its holder', { holderIdentity: 'node-1', leaseDurationSeconds: 40 }, 'node-1'],
    ['a released lease has an empty holder', { holderIdentity: '' }, ''],
    ['no spec at all', undefined, ''],
  ])('%s', (_name, spec, holder) => {
    expect(leasePrinter.print(lease(spec), NOW).cells).toEqual(['node-1', holder, '5m']);
  });

  it('is what toTable picks for the Lease kind', () => {
    const table = toTable('Lease', [lease({ holderIdentity: 'x' })], { now: NOW });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Holder', 'Age']);
    expect(table.rows[0]!.cells[1]).toBe('x');
  });
});
