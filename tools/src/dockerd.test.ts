import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForPreviousDockerd } from './dockerd.js';

let dir: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskube-dockerd-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A process standing in for a dockerd that is still running, with its pid file. */
async function fakeDockerd(name: string, seconds: number): Promise<{ pidFile: string; child: ChildProcess }> {
  const child = spawn('sleep', [String(seconds)], { stdio: 'ignore' });
  children.push(child);
  const pidFile = join(dir, `${name}.pid`);
  await writeFile(pidFile, `${child.pid}\n`);
  return { pidFile, child };
}

/** An Engine API stand-in on a unix socket that answers /_ping. */
async function pingServer(name: string): Promise<string> {
  const socket = join(dir, `${name}.sock`);
  const server = createServer((req, res) => res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK'));
  servers.push(server);
  server.listen(socket);
  await once(server, 'listening');
  return `unix://${socket}`;
}

describe('waitForPreviousDockerd', () => {
  it('is gone at once without a pid file, or with one naming no live process', async () => {
    const silent = `unix://${join(dir, 'none.sock')}`;
    expect(await waitForPreviousDockerd(join(dir, 'missing.pid'), silent, 5_000)).toBe('gone');
    const { pidFile, child } = await fakeDockerd('stale', 0);
    if (child.exitCode === null) await once(child, 'exit');
    expect(await waitForPreviousDockerd(pidFile, silent, 5_000)).toBe('gone');
  });

  it('waits for a dockerd that is shutting down to exit', async () => {
    const { pidFile, child } = await fakeDockerd('stopping', 1);
    expect(await waitForPreviousDockerd(pidFile, `unix://${join(dir, 'none.sock')}`, 10_000)).toBe('gone');
    expect(child.exitCode).toBe(0);
  });

  it('uses a dockerd that was starting once it answers', async () => {
    const { pidFile, child } = await fakeDockerd('starting', 30);
    expect(await waitForPreviousDockerd(pidFile, await pingServer('starting'), 10_000)).toBe('answered');
    expect(child.exitCode).toBeNull();
  });

  it('reports a live dockerd that neither answers nor exits in time', async () => {
    const { pidFile } = await fakeDockerd('stuck', 30);
    expect(await waitForPreviousDockerd(pidFile, `unix://${join(dir, 'none.sock')}`, 300)).toBe('alive');
  });
});
