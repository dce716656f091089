import {
  defaultEndpoints,
  defaultEvent,
  defaultNamespace,
  defaultNode,
  defaultReplicationController,
  defaultService,
} from './objects.js';
import { defaultPod } from './pod.js';

export * from './pod.js';
export * from './objects.js';

const DEFAULTERS: Record<string, ((obj: never) => unknown) | undefined> = {
  Pod: defaultPod,
  Node: defaultNode,
  Service: defaultService,
  Endpoints: defaultEndpoints,
  ReplicationController: defaultReplicationController,
  Namespace: defaultNamespace,
  Event: defaultEvent,
};

/** Applies the defaulter of `kind` in place (no-op for kinds without defaults) and returns `obj`. */
export function applyDefaults<T>(kind: string, obj: T): T {
  DEFAULTERS[kind]?.(obj as never);
  return obj;
}
