/** Column definitions and cell helpers shared by the printers. */
import type { TableColumnDefinition, TableRowCondition } from '@tskube/api-types';

/** The cells (and optional row conditions) one object renders to. */
export interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/** A kind's columns (normal and wide, always all rendered) and its row function. */
export interface Printer<T> {
  readonly columns: readonly TableColumnDefinition[];
  print(obj: T, now: number): PrintedRow;
}

export function column(
  name: string,
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date',
  description: string,
  priority: 0 | 1 = 0,
): TableColumnDefinition {
  return { name, type, format: '', description, priority };
}

/** The Name column: `format: name` lets kubectl prefix `kind/` when several kinds are printed. */
export const nameColumn = (priority: 0 | 1 = 0): TableColumnDefinition => ({
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. It is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.',
  priority,
});

export const ageColumn = (): TableColumnDefinition =>
  column(
    'Age',
    'string',
    'CreationTimestamp is a timestamp representing the server time when this object was created. Clients may not set this value. It is represented in RFC3339 form and is in UTC.',
  );

export const CONTAINERS_DESCRIPTION = 'Names of each container in the template.';
export const IMAGES_DESCRIPTION = 'Images referenced by each container in the template.';

/** labels.FormatLabels: `k=v` sorted by key and joined by commas; `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '<none>';
  return entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/** The names and images of containers, each comma-joined (wide workload columns). */
export function containerCells(containers: readonly { name: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** `a,b,c + N more...` as the printers abbreviate long lists. */
export function listWithMore(shown: readonly string[], total: number, max: number): string {
  const joined = shown.join(',');
  return total > max ? `${joined} + ${total - max} more...` : joined;
}
