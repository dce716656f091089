import { describe, expect, it } from 'vitest';
import { columnDefinitions, toTable } from './to-table.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const metadata = {
  name: 'web',
  namespace: 'default',
  uid: '6b1f1c1e-0000-4000-8000-000000000001',
  resourceVersion: '1200',
  creationTimestamp: '2025-01-01T11:55:00Z',
  labels: { app: 'web' },
  annotations: { note: 'x' },
};

// One realistic object of each kind we serve, plus one without a dedicated printer.
const samples: Record<string, object> = {
  Pod: { kind: 'Pod', apiVersion: 'v1', metadata, spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Pending' } },
  Node: { kind: 'Node', apiVersion: 'v1', metadata: { ...metadata, namespace: undefined }, status: {} },
  Service: { kind: 'Service', apiVersion: 'v1', metadata, spec: { type: 'ClusterIP', clusterIPs: ['10.0.0.10'], ports: [{ port: 80, protocol: 'TCP' }] } },
  Endpoints: { kind: 'Endpoints', apiVersion: 'v1', metadata },
  ReplicationController: { kind: 'ReplicationController', apiVersion: 'v1', metadata, spec: { replicas: 1, selector: { app: 'web' } } },
  Event: { kind: 'Event', apiVersion: 'v1', metadata, involvedObject: { kind: 'Pod', name: 'web' }, reason: 'Scheduled' },
  Namespace: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'default', creationTimestamp: '2025-01-01T11:55:00Z' }, status: { phase: 'Active' } },
  Binding: { kind: 'Binding', apiVersion: 'v1', metadata, target: { kind: 'Node', name: 'node-1' } },
};

describe('toTable', () => {
  it.each(Object.entries(samples))('%s: every row has one cell per column', (kind, obj) => {
    const table = toTable(kind, [obj, obj], { now: NOW });
    expect(table.columnDefinitions.length).toBeGreaterThanOrEqual(2);
    expect(table.rows).toHaveLength(2);
    for (const row of table.rows) expect(row.cells).toHaveLength(table.columnDefinitions.length);
  });

  it.each(Object.keys(samples))('%s: exactly one Name column with format "name"; every column well-formed', (kind) => {
    const cols = columnDefinitions(kind);
    expect(cols.filter((c) => c.format === 'name').map((c) => c.name)).toEqual(['Name']);
    for (const c of cols) {
      expect(['string', 'integer', 'number', 'boolean', 'date']).toContain(c.type);
      expect([0, 1]).toContain(c.priority);
      expect(c.description).not.toBe('');
    }
  });

  it.each([
    ['Pod', ['Name', 'Ready', 'Status', 'Restarts', 'Age']],
    ['Node', ['Name', 'Status', 'Roles', 'Age', 'Version']],
    ['Service', ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']],
    ['Endpoints', ['Name', 'Endpoints', 'Age']],
    ['ReplicationController', ['Name', 'Desired', 'Current', 'Ready', 'Age']],
    ['Event', ['Last Seen', 'Type', 'Reason', 'Object', 'Message']],
    ['Namespace', ['Name', 'Status', 'Age']],
    ['Binding', ['Name', 'Age']],
  ])('%s: the columns kubectl shows without -o wide', (kind, want) => {
    expect(columnDefinitions(kind).filter((c) => c.priority === 0).map((c) => c.name)).toEqual(want);
  });

  it('is a meta.k8s.io/v1 Table carrying the list metadata', () => {
    const table = toTable('Pod', [], { now: NOW, resourceVersion: '1234', continue: 'eyJ2IjoxfQ' });
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '1234', continue: 'eyJ2IjoxfQ' }, rows: [] });
    expect(toTable('Pod', [], { resourceVersion: '7' }).metadata).toEqual({ resourceVersion: '7' });
  });

  it('defaults to PartialObjectMetadata rows with the full ObjectMeta', () => {
    const [row] = toTable('Pod', [samples.Pod!], { now: NOW }).rows;
    expect(row!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata });
  });

  it('includeObject=Object embeds the whole object', () => {
    const [row] = toTable('Pod', [samples.Pod!], { now: NOW, includeObject: 'Object' }).rows;
    expect(row!.object).toEqual(samples.Pod);
  });

  it('includeObject=None omits the object', () => {
    const [row] = toTable('Pod', [samples.Pod!], { now: NOW, includeObject: 'None' }).rows;
    expect(row).not.toHaveProperty('object');
  });

  it('omitHeaders leaves the column definitions empty but still renders every cell', () => {
    const table = toTable('Node', [samples.Node!], { now: NOW, omitHeaders: true });
    expect(table.columnDefinitions).toEqual([]);
    expect(table.rows[0]!.cells).toHaveLength(columnDefinitions('Node').length);
  });

  it('serialises to the JSON kubectl decodes', () => {
    const table = toTable('Pod', [{ ...samples.Pod!, status: { phase: 'Succeeded' } }], { now: NOW, resourceVersion: '9' });
    const json = JSON.parse(JSON.stringify(table));
    expect(json.rows[0].cells).toEqual(['web', '0/1', 'Succeeded', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
    expect(json.rows[0].conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    expect(json.columnDefinitions[0]).toEqual(expect.objectContaining({ name: 'Name', type: 'string', format: 'name', priority: 0 }));
  });

  it('uses the current time when none is given', () => {
    const created = new Date(Date.now() - 3 * 3600_000).toISOString();
    const table = toTable('Namespace', [{ metadata: { name: 'ns', creationTimestamp: created }, status: { phase: 'Terminating' } }]);
    expect(table.rows[0]!.cells).toEqual(['ns', 'Terminating', '3h']);
  });
});
