import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { Pod } from '@tskube/api-types';
import { FakeClock } from '@tskube/component-base';
import { createFakeRuntime, fakeIp } from './fake.js';
import { LABEL_POD_UID, RuntimeError, type ContainerConfig, type RuntimeEvent } from './types.js';

const pod = (uid: string, hostNetwork = false): Pod => ({
  metadata: { name: `p-${uid}`, namespace: 'default', uid },
  spec: { hostNetwork, containers: [{ name: 'app', image: 'tskube/busybox:latest' }] },
});
const config = (p: Pod, restartCount = 0): ContainerConfig => ({
  pod: p,
  container: p.spec!.containers[0]!,
  env: [],
  mounts: [],
  restartCount,
  specHash: 'h1',
});

describe('fakeIp', () => {
  it.each([
    ['10.88.', 0, '10.88.0.1'],
    ['10.88.', 253, '10.88.0.254'],
    ['10.88.', 254, '10.88.1.1'],
    ['10.88', 254, '10.88.1.1'],
    ['10.', 254 * 256, '10.1.0.1'],
    ['10.1.2.', 5, '10.1.2.6'],
  ])('%s #%d is %s', (prefix, n, ip) => {
    expect(fakeIp(prefix, n)).toBe(ip);
  });

  it('refuses to count past the prefix', () => {
    expect(() => fakeIp('10.1.2.', 254)).toThrow(/out of addresses/);
  });
});

describe('createFakeRuntime', () => {
  it('runs 100 pods with unique IPs at once', async () => {
    const runtime = createFakeRuntime();
    const ips = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const p = pod(`u${i}`);
      const sandbox = await runtime.runPodSandbox(p);
      ips.add(sandbox.ip);
      const id = await runtime.createContainer(sandbox.id, config(p));
      await runtime.startContainer(id);
    }
    expect(ips.size).toBe(100);
    const containers = await runtime.listContainers();
    expect(containers).toHaveLength(100);
    expect(containers.every((c) => c.state === 'running')).toBe(true);
    expect(await runtime.listPodSandboxes()).toHaveLength(100);
  });

  it('gives hostNetwork pods no pod IP', async () => {
    expect((await createFakeRuntime().runPodSandbox(pod('h', true))).ip).toBe('');
  });

  it('goes through a container lifecycle with the clock and emits events', async () => {
    const clock = new FakeClock(1_000_000);
    const runtime = createFakeRuntime({ clock });
    const abort = new AbortController();
    const seen: RuntimeEvent[] = [];
    const iterator = runtime.events(abort.signal)[Symbol.asyncIterator]();

    const p = pod('u1');
    const sandbox = await runtime.runPodSandbox(p);
    const id = await runtime.createContainer(sandbox.id, config(p, 2));
    expect((await runtime.containerStatus(id))?.state).toBe('created');
    clock.advance(5_000);
    await runtime.startContainer(id);
    const running = await runtime.containerStatus(id);
    expect(running).toMatchObject({ state: 'running', startedAt: 1_005_000, restartCount: 2, specHash: 'h1', podUid: 'u1' });
    expect(running?.labels[LABEL_POD_UID]).toBe('u1');

    runtime.exitContainer(id, 1);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'exited', exitCode: 1, reason: 'Error' });
    await runtime.removePodSandbox(sandbox.id);
    expect(await runtime.containerStatus(id)).toBeUndefined();
    expect(await runtime.listPodSandboxes()).toEqual([]);

    for (let i = 0; i < 5; i++) seen.push((await iterator.next()).value as RuntimeEvent);
    expect(seen.map((e) => [e.type, e.containerId === id ? 'c' : 's'])).toEqual([
      ['container-started', 's'],
      ['container-started', 'c'],
      ['container-died', 'c'],
      ['container-removed', 'c'],
      ['container-removed', 's'],
    ]);
    abort.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  it('stopping a container or its sandbox ends it; stopping twice is harmless', async () => {
    const runtime = createFakeRuntime();
    const p = pod('u2');
    const sandbox = await runtime.runPodSandbox(p);
    const a = await runtime.createContainer(sandbox.id, config(p));
    await runtime.startContainer(a);
    await runtime.stopContainer(a, 30);
    await runtime.stopContainer(a, 30);
    expect((await runtime.containerStatus(a))?.state).toBe('exited');

    const b = await runtime.createContainer(sandbox.id, config(p, 1));
    await runtime.startContainer(b);
    await runtime.stopPodSandbox(sandbox.id);
    expect((await runtime.containerStatus(b))?.state).toBe('exited');
    expect((await runtime.listPodSandboxes())[0]?.state).toBe('notready');
  });

  it('has empty exec, logs and zero stats; unknown containers are NotFound', async () => {
    const runtime = createFakeRuntime();
    const p = pod('u3');
    const sandbox = await runtime.runPodSandbox(p);
    const id = await runtime.createContainer(sandbox.id, config(p));
    await runtime.startContainer(id);
    expect(await runtime.execSync(id, ['true'], 1)).toEqual({ exitCode: 0, output: '' });
    const session = await runtime.exec(id, { cmd: ['sh'], stdin: true, stdout: true, stderr: true, tty: false });
    expect(await session.wait()).toBe(0);
    expect(await text(session.stdout!)).toBe('');
    expect(await text(await runtime.logs(id, { follow: true, timestamps: false }))).toBe('');
    const stats = await runtime.stats([id]);
    expect(stats).toMatchObject([{ id, memoryWorkingSetBytes: 0, cpuUsageCoreNanoSeconds: 0 }]);
    await expect(runtime.startContainer('nope')).rejects.toBeInstanceOf(RuntimeError);
    await expect(runtime.createContainer('nope', config(p))).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('records pulls; every image counts as present', async () => {
    const runtime = createFakeRuntime();
    const id = await runtime.pullImage('nginx:1');
    expect(id).toMatch(/^sha256:/);
    expect(await runtime.imageId('nginx:1')).toBe(id);
    expect(runtime.pulled).toEqual(['nginx:1']);
  });
});
