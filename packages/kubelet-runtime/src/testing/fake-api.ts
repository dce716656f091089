/** Test doubles for the kubelet's apiserver side: a hand-driven informer and a recording client. */
import type { DeleteOptions, Event, KubernetesObject, Pod, Service } from '@tskube/api-types';
import { StatusError } from '@tskube/api-types';
import type { Client, EventHandlers, Informer } from '@tskube/client';

export class FakeInformer<T extends KubernetesObject> implements Informer<T> {
  private readonly handlers = new Set<EventHandlers<T>>();
  readonly objects = new Map<string, T>();
  private key = (o: T) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  readonly lister = {
    get: (key: string) => this.objects.get(key),
    list: () => [...this.objects.values()],
  };
  addEventHandler(h: EventHandlers<T>): () => void {
    this.handlers.add(h);
    for (const o of this.objects.values()) h.onAdd?.(o);
    return () => this.handlers.delete(h);
  }
  hasSynced = () => true;
  waitForSync = async () => true;
  lastSyncResourceVersion = () => '1';
  run = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  set(o: T): void {
    const old = this.objects.get(this.key(o));
    this.objects.set(this.key(o), o);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, o);
      else h.onAdd?.(o);
    }
  }
  remove(o: T): void {
    this.objects.delete(this.key(o));
    for (const h of this.handlers) h.onDelete?.(o);
  }
}

export interface FakeClient {
  client: Client;
  statusUpdates: Pod[];
  deletes: { namespace: string; name: string; options: DeleteOptions | undefined }[];
  events: Event[];
  pods: FakeInformer<Pod>;
  services: FakeInformer<Service>;
}

export function createFakeClient(): FakeClient {
  const pods = new FakeInformer<Pod>();
  const services = new FakeInformer<Service>();
  const statusUpdates: Pod[] = [];
  const deletes: FakeClient['deletes'] = [];
  const events: Event[] = [];
  const find = (ns: string, name: string) => pods.objects.get(`${ns}/${name}`);
  const client = {
    pods: {
      get: async (ns: string, name: string) => {
        const p = find(ns, name);
        if (!p) throw new StatusError('NotFound', `pods "${name}" not found`);
        return p;
      },
      updateStatus: async (_ns: string, pod: Pod) => {
        statusUpdates.push(structuredClone(pod));
        return pod;
      },
      delete: async (namespace: string, name: string, options?: DeleteOptions) => {
        deletes.push({ namespace, name, options });
        return { kind: 'Status', status: 'Success' };
      },
    },
    events: {
      create: async (_ns: string, e: Event) => {
        events.push(e);
        return e;
      },
    },
  } as unknown as Client;
  return { client, statusUpdates, deletes, events, pods, services };
}

let n = 0;
export function testPod(name: string, spec: Partial<Pod['spec']> = {}, meta: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  n++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}-${n}`, creationTimestamp: '2024-01-01T00:00:00Z', ...meta },
    spec: {
      nodeName: 'node-1',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      containers: [{ name: 'app', image: 'tskube/busybox:latest', imagePullPolicy: 'IfNotPresent' }],
      ...spec,
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  } as Pod;
}
