/**
 * Docker for e2e tests, started only when a test file needs it: call `await useDocker()` in
 * beforeAll. vitest runs each e2e file in its own worker process, so the memo only saves repeated
 * calls within a file; across files the dockerd started by the first one keeps running (it is
 * detached) and later files find it answering. Its PID is recorded, and the last test run to
 * finish stops it (docker-lease.ts); a dockerd that was running before is never stopped.
 */
import { request } from 'node:http';
import { ensureDockerd, parseDockerHost } from '@tskube/tools';
import { recordStartedDockerd } from './docker-lease.js';

export interface TestDocker {
  /** A DOCKER_HOST url, e.g. `unix:///var/run/docker.sock`. */
  host: string;
  /** The same as dockerode connection options. */
  connection: { socketPath: string } | { host: string; port: number };
}

let docker: Promise<TestDocker> | undefined;

export function useDocker(): Promise<TestDocker> {
  return (docker ??= (async () => {
    const handle = await ensureDockerd();
    if (handle.startedPid !== undefined) recordStartedDockerd(handle.startedPid);
    return { host: handle.host, connection: parseDockerHost(handle.host) };
  })());
}

/**
 * One Docker Engine API call for test setup and checks (the code under test uses its own
 * client): JSON in, JSON (or text) out; rejects on HTTP ≥ 400 with Docker's message.
 */
export async function dockerApi<T = unknown>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const { connection } = await useDocker();
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise<T>((resolve, reject) => {
    const req = request(
      {
        ...connection,
        method,
        path,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 400) {
            reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.trim()}`));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            resolve(text as T);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
