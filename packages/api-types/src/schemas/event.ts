/** core/v1 Event and Binding. */
import { CORE_V1, MicroTimeSchema, TimeSchema, int32, opt, str, struct } from './base.js';
import { ObjectMetaSchema, ObjectReferenceSchema, listOf, typeMeta } from './meta.js';

const c = (name: string) => CORE_V1 + name;

export const EventSourceSchema = struct(c('EventSource'), { component: opt(str()), host: opt(str()) });
export const EventSeriesSchema = struct(c('EventSeries'), {
  count: opt(int32()),
  lastObservedTime: opt(MicroTimeSchema),
});
export const EventSchema = struct(c('Event'), {
  ...typeMeta(),
  metadata: ObjectMetaSchema,
  involvedObject: ObjectReferenceSchema,
  reason: opt(str()),
  message: opt(str()),
  source: opt(EventSourceSchema),
  firstTimestamp: opt(TimeSchema),
  lastTimestamp: opt(TimeSchema),
  count: opt(int32()),
  type: opt(str()),
  eventTime: opt(MicroTimeSchema),
  series: opt(EventSeriesSchema),
  action: opt(str()),
  related: opt(ObjectReferenceSchema),
  reportingComponent: opt(str()),
  reportingInstance: opt(str()),
});
export const EventListSchema = listOf(c('EventList'), EventSchema);

/** Binds a pod to a node: POST pods/<name>/binding. */
export const BindingSchema = struct(c('Binding'), {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  target: ObjectReferenceSchema,
});
