/** Namespace rows: K8S printers.go printNamespace. */
import type { Namespace } from '@tskube/api-types';
import { ageColumn, column, nameColumn, type Printer } from './columns.js';
import { translateTimestampSince } from './duration.js';

export const namespacePrinter: Printer<Namespace> = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  print(ns: Namespace, now: number) {
    return {
      cells: [ns.metadata?.name ?? '', ns.status?.phase ?? '', translateTimestampSince(ns.metadata?.creationTimestamp, now)],
    };
  },
};
