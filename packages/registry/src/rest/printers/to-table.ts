/**
 * Server-side printing: list/get/watch results as a meta.k8s.io/v1 Table, what kubectl asks for
 * with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. All columns are rendered; kubectl
 * hides priority-1 ones unless `-o wide`.
 */
import type { ObjectMeta, Table, TableColumnDefinition, TableRow } from '@tskube/api-types';
import type { Printer } from './columns.js';
import { defaultPrinter } from './default-printer.js';
import { eventPrinter } from './event.js';
import { leasePrinter } from './lease.js';
import { namespacePrinter } from './namespace.js';
import { nodePrinter } from './node.js';
import { podPrinter } from './pod.js';
import { replicationControllerPrinter } from './replication-controller.js';
import { endpointsPrinter, servicePrinter } from './service.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface ToTableOptions {
  /** What each row carries in `object`; default Metadata (a PartialObjectMetadata). */
  includeObject?: IncludeObject;
  /** The clock for ages, in ms since the epoch; default Date.now(). */
  now?: number;
  resourceVersion?: string;
  continue?: string;
  /** Send no column definitions (watch events after the first; kubectl reuses the last ones). */
  omitHeaders?: boolean;
}

// Each printer is typed for its kind; the kind string is what selects it.
const PRINTERS: Record<string, Printer<never>> = {
  Pod: podPrinter,
  Node: nodePrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  ReplicationController: replicationControllerPrinter,
  Event: eventPrinter,
  Namespace: namespacePrinter,
  Lease: leasePrinter,
};

const printerFor = (kind: string): Printer<never> =>
  Object.hasOwn(PRINTERS, kind) ? PRINTERS[kind]! : (defaultPrinter as Printer<never>);

/** The column definitions of a kind (the default Name/Age set for kinds without a printer). */
export function columnDefinitions(kind: string): TableColumnDefinition[] {
  return printerFor(kind).columns.map((c) => ({ ...c }));
}

function rowObject(obj: object, includeObject: IncludeObject): TableRow['object'] {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    case 'Metadata':
      return {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: (obj as { metadata?: ObjectMeta }).metadata ?? {},
      };
  }
}

/** Renders `objects` (all of one kind) as a Table with one row each. */
export function toTable(kind: string, objects: readonly object[], opts: ToTableOptions = {}): Table {
  const printer = printerFor(kind);
  const now = opts.now ?? Date.now();
  const includeObject = opts.includeObject ?? 'Metadata';
  const rows = objects.map((obj): TableRow => {
    const printed = printer.print(obj as never, now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions.map((c) => ({ ...c }));
    const object = rowObject(obj, includeObject);
    if (object !== undefined) row.object = object;
    return row;
  });
  const metadata: NonNullable<Table['metadata']> = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    // kubectl treats an empty list like absent definitions (CR32 tableprinter.go PrintObj).
    columnDefinitions: opts.omitHeaders ? [] : columnDefinitions(kind),
    rows,
  };
}
