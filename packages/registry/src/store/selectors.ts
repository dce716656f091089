/** Label and field selectors of a list or watch, compiled once into a predicate over objects. */
import { parseFieldSelector, parseLabelSelector, validateFieldSelector } from '@tskube/api-types';
import type { StoredObject } from '../cache/types.js';
import type { Strategy } from './types.js';

export function compileSelectors<T extends StoredObject>(
  strategy: Strategy<T>,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): (obj: T) => boolean {
  // Both parsers throw BadRequest on a syntax error; an unsupported field is BadRequest too.
  const labels = parseLabelSelector(labelSelector ?? '');
  const fields = parseFieldSelector(fieldSelector ?? '');
  validateFieldSelector(strategy.kind, fields);
  const anyLabels = !labels.empty();
  const anyFields = !fields.empty();
  if (!anyLabels && !anyFields) return () => true;
  return (obj) =>
    (!anyLabels || labels.matches(obj.metadata.labels ?? {})) && (!anyFields || fields.matches(strategy.fields(obj)));
}
