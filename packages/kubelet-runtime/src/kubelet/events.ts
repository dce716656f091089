/** Events about pods, as the kubelet's event recorder: fire and forget, failures only logged. */
import { randomBytes } from 'node:crypto';
import type { Event, Pod } from '@tskube/api-types';
import type { Logger } from '@tskube/component-base';
import { rfc3339 } from '../pod/status.js';

export interface EventSink {
  create(namespace: string, event: Event): Promise<unknown>;
}

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(pod: Pod, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

export function createRecorder(sink: EventSink, opts: { nodeName: string; logger: Logger; now: () => number }): Recorder {
  return {
    event(pod, type, reason, message, fieldPath) {
      const ns = pod.metadata?.namespace ?? 'default';
      const name = pod.metadata?.name ?? '';
      const at = rfc3339(opts.now());
      const involvedObject: Event['involvedObject'] = { kind: 'Pod', apiVersion: 'v1', namespace: ns, name, uid: pod.metadata?.uid ?? '' };
      if (fieldPath) involvedObject.fieldPath = fieldPath;
      const event: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace: ns },
        involvedObject,
        reason,
        message,
        type,
        source: { component: 'kubelet', host: opts.nodeName },
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
        reportingComponent: 'kubelet',
        reportingInstance: opts.nodeName,
      };
      sink.create(ns, event).catch((err: unknown) => opts.logger.debug({ err, reason }, 'event not recorded'));
    },
  };
}

export const containerFieldPath = (name: string): string => `spec.containers{${name}}`;
