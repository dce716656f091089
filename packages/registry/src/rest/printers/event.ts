/** Event rows: K8S printers.go printEvent, rendered wide. */
import type { Event } from '@tskube/api-types';
import { column, nameColumn, type Printer } from './columns.js';
import { parseTimestamp, translateTimestampSince } from './duration.js';

/** Source as `component, host`, falling back to the reporting controller and instance. */
function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** `pod/nginx` (kind lower-cased), or just the kind when the object has no name. */
function eventObject(ev: Event): string {
  const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
  return ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
}

export const eventPrinter: Printer<Event> = {
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'string', 'The object that this event is about.'),
    column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', 1),
    column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    column('Count', 'string', 'The number of times this event has occurred.', 1),
    nameColumn(1),
  ],
  print(ev: Event, now: number) {
    const firstSeen =
      parseTimestamp(ev.firstTimestamp) !== undefined
        ? translateTimestampSince(ev.firstTimestamp, now)
        : translateTimestampSince(ev.eventTime, now);
    let lastSeen = parseTimestamp(ev.lastTimestamp) !== undefined ? translateTimestampSince(ev.lastTimestamp, now) : firstSeen;
    let count = ev.count ?? 0;
    if (ev.series) {
      lastSeen = translateTimestampSince(ev.series.lastObservedTime, now);
      count = ev.series.count ?? 0;
    } else if (count === 0) {
      count = 1; // singleton events of the events.k8s.io API carry no count
    }
    return {
      cells: [
        lastSeen,
        ev.type ?? '',
        ev.reason ?? '',
        eventObject(ev),
        ev.involvedObject?.fieldPath ?? '',
        eventSource(ev),
        (ev.message ?? '').trim(),
        firstSeen,
        count,
        ev.metadata?.name ?? '',
      ],
    };
  },
};
