/** Rows for a kind without its own printer: name and age from the metadata. */
import type { ObjectMeta } from '@tskube/api-types';
import { ageColumn, nameColumn, type Printer } from './columns.js';
import { translateTimestampSince } from './duration.js';

export const defaultPrinter: Printer<{ metadata?: ObjectMeta }> = {
  columns: [nameColumn(), ageColumn()],
  print(obj, now) {
    return { cells: [obj.metadata?.name ?? '', translateTimestampSince(obj.metadata?.creationTimestamp, now)] };
  },
};
