/**
 * Test support for the REST layer (used by its *.test.ts): an API handler over in-memory
 * registries on 127.0.0.1, and small fixtures. Not exported from the package.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registries } from '../resources/registries.js';
import { createRegistries } from '../resources/registries.js';
import { createMemoryStorage } from '../storage/memory.js';
import type { Storage } from '../storage/types.js';
import { createApiHandler, type ApiHandler, type ApiHandlerOptions } from './api-handler.js';

export interface TestApi {
  url: string;
  registries: Registries;
  storage: Storage;
  handler: ApiHandler;
  /** fetch + JSON: status, parsed body (text when not JSON) and headers. */
  call(path: string, init?: CallInit): Promise<CallResult>;
  close(): Promise<void>;
}

export interface CallInit {
  method?: string;
  body?: unknown;
  /** Content-Type of the body; objects are sent as JSON by default. */
  type?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
  text: string;
}

export async function startTestApi(options: Partial<ApiHandlerOptions> & { storage?: Storage } = {}): Promise<TestApi> {
  const storage = options.storage ?? createMemoryStorage();
  const registries = options.registries ?? createRegistries({ storage });
  await registries.ready();
  const handler = createApiHandler({ ...options, registries, storage });
  const server = http.createServer(handler);
  server.on('upgrade', handler.upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    registries,
    storage,
    handler,
    async call(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= init.type ?? 'application/json';
      }
      const res = await fetch(url + path, { method: init.method ?? 'GET', headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').startsWith('application/json')) parsed = JSON.parse(text);
      return { status: res.status, body: parsed, headers: res.headers, text };
    },
    async close() {
      handler.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      registries.stop();
      await storage.close();
    },
  };
}

/** Reads newline-delimited JSON events from a streaming response until `count` arrived or the stream ended. */
export async function readEvents(res: Response, count: number): Promise<{ events: WatchEventJSON[]; ended: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: WatchEventJSON[] = [];
  let buf = '';
  let ended = false;
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, nl)) as WatchEventJSON);
      buf = buf.slice(nl + 1);
    }
  }
  reader.releaseLock();
  return { events, ended };
}

export interface WatchEventJSON {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any;
}

export const podBody = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  ...extra,
});

export const nodeBody = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  ...extra,
});

export const serviceBody = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
});

export const rcBody = (name: string, replicas = 1) => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name },
  spec: {
    replicas,
    selector: { app: name },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  },
});

export const eventBody = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name },
  involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
  reason: 'Started',
  message: 'started',
  type: 'Normal',
});

export const endpointsBody = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name },
  subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 80 }] }],
});

export const namespaceBody = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
