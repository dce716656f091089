/** Test builders and a fake clock (not part of the published build). */
import type { ClockLike, SchedNode, SchedPod } from '../types.js';

let uidCounter = 0;

export interface PodOpts {
  namespace?: string;
  uid?: string;
  cpu?: string;
  memory?: string;
  nodeName?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  priority?: number;
  hostPorts?: { port: number; protocol?: string; hostIP?: string }[];
  spec?: Partial<NonNullable<SchedPod['spec']>>;
}

export function makePod(name: string, o: PodOpts = {}): SchedPod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests['cpu'] = o.cpu;
  if (o.memory) requests['memory'] = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${name}-${++uidCounter}`,
      ...(o.labels ? { labels: o.labels } : {}),
    },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          ...(o.cpu || o.memory ? { resources: { requests } } : {}),
          ...(o.hostPorts
            ? { ports: o.hostPorts.map((p) => ({ containerPort: p.port, hostPort: p.port, protocol: p.protocol, hostIP: p.hostIP })) }
            : {}),
        },
      ],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...o.spec,
    },
  } as SchedPod;
}

export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  spec?: NonNullable<SchedNode['spec']>;
  ready?: boolean;
}

export function makeNode(name: string, o: NodeOpts = {}): SchedNode {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    ...(o.spec ? { spec: o.spec } : {}),
    status: {
      capacity: allocatable,
      allocatable,
      ...(o.ready === undefined ? {} : { conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }] }),
    },
  } as SchedNode;
}

/** A manual clock: timers fire, in order, only when `advance` passes their time. */
export class FakeClock implements ClockLike {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  pendingTimers(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const t of this.#timers) if (t[1].at <= end && (!due || t[1].at < due[1].at)) due = t;
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
    }
    this.#now = end;
  }
}
