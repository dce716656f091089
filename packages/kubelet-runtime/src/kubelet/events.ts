/**
 * Events about pods, as the kubelet's event recorder: client's createEventRecorder (upstream's
 * EventRecorder + EventCorrelator), so a container in CrashLoopBackOff counts on one event
 * instead of creating one per restart. Fire and forget; failures only logged.
 */
import { StatusError, type Event, type Pod } from '@tskube/api-types';
import { createEventRecorder, type PatchType } from '@tskube/client';
import { systemClock, type Logger } from '@tskube/component-base';

export interface EventSink {
  create(namespace: string, event: Event): Promise<unknown>;
  /** Without it every occurrence is created anew (repeats cannot be counted on the first). */
  patch?(namespace: string, name: string, patch: unknown, type: PatchType): Promise<unknown>;
}

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(pod: Pod, type: EventType, reason: string, message: string, fieldPath?: string): void;
  /** Gives queued events up to `timeoutMs` to be written, then drops the rest and stops retrying. */
  close(timeoutMs: number): Promise<void>;
}

export function createRecorder(sink: EventSink, opts: { nodeName: string; logger: Logger; now: () => number }): Recorder {
  const recorder = createEventRecorder({
    client: {
      events: {
        create: (namespace, event) => sink.create(namespace, event),
        // A missing patch reads as an expired event, which the recorder answers with a create.
        patch: (namespace, name, patch, type) =>
          sink.patch ? sink.patch(namespace, name, patch, type) : Promise.reject(new StatusError('NotFound', `events "${name}" not found`)),
      },
    },
    component: 'kubelet',
    host: opts.nodeName,
    // Retry waits (apiserver unreachable) run on real time; event times come from the kubelet's clock.
    clock: { now: opts.now, sleep: (ms, signal) => systemClock.sleep(ms, signal) },
    logger: opts.logger.child({ part: 'events' }),
  });
  return {
    event(pod, type, reason, message, fieldPath) {
      // The kubelet's pods always come from the apiserver as v1 Pods; fill the type for partial ones.
      recorder.event({ ...pod, apiVersion: pod.apiVersion ?? 'v1', kind: pod.kind ?? 'Pod' }, type, reason, message, fieldPath ? { fieldPath } : {});
    },
    close: (timeoutMs) => recorder.close(timeoutMs),
  };
}

export const containerFieldPath = (name: string): string => `spec.containers{${name}}`;
