/** Lease rows: K8S printers.go printLease (NAME, HOLDER, AGE). */
import type { Lease } from '@tskube/api-types';
import { ageColumn, column, nameColumn, type Printer } from './columns.js';
import { translateTimestampSince } from './duration.js';

export const leasePrinter: Printer<Lease> = {
  columns: [nameColumn(), column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  print(lease: Lease, now: number) {
    return {
      cells: [lease.metadata?.name ?? '', lease.spec?.holderIdentity ?? '', translateTimestampSince(lease.metadata?.creationTimestamp, now)],
    };
  },
};
