/**
 * The Docker runtime on a real dockerd: a pod sandbox and its containers, host ports, graceful
 * stop, logs, exec, stats, events, adoption by a second runtime instance, and image pulls from a
 * local registry (Debian docker-registry on 127.0.0.1). Only loopback and our bridge are reached.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Pod } from '@tskube/api-types';
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  createDockerRuntime,
  type ContainerConfig,
  type ContainerRuntime,
  type RuntimeEvent,
} from '@tskube/kubelet-runtime';
import { BUSYBOX_IMAGE, ensureImages, freePort } from '@tskube/tools';
import { dockerApi, useDocker } from '../setup/docker.js';
import { until } from '../setup/wait.js';

const run = randomUUID().slice(0, 8);
let dockerHost: string;
let runtime: ContainerRuntime;
let podsDir: string;
const events: RuntimeEvent[] = [];
const stopEvents = new AbortController();

beforeAll(async () => {
  dockerHost = (await useDocker()).host;
  await ensureImages(dockerHost);
  podsDir = await mkdtemp(join(tmpdir(), 'tskube-kubelet-'));
  runtime = createDockerRuntime({ docker: dockerHost, podsDir });
  void (async () => {
    for await (const event of runtime.events(stopEvents.signal)) events.push(event);
  })();
}, 90_000);

afterAll(async () => {
  stopEvents.abort();
  if (!dockerHost) return;
  // Everything this run created carries a pod uid starting with `run`.
  const filters = encodeURIComponent(JSON.stringify({ label: [LABEL_POD_UID] }));
  const all = await dockerApi<{ Id: string; Labels: Record<string, string> }[]>('GET', `/containers/json?all=1&filters=${filters}`);
  const ours = all.filter((c) => c.Labels[LABEL_POD_UID]?.startsWith(run));
  await Promise.all(ours.map((c) => dockerApi('DELETE', `/containers/${c.Id}?force=1&v=1`).catch(() => {})));
  if (podsDir) await rm(podsDir, { recursive: true, force: true });
});

const pod = (name: string, containers: Container[]): Pod => ({
  metadata: { name, namespace: 'e2e', uid: `${run}-${name}` },
  spec: { containers },
});

const config = (p: Pod, container: Container, mounts: ContainerConfig['mounts'] = []): ContainerConfig => ({
  pod: p,
  container,
  env: [{ name: 'POD_NAME', value: p.metadata!.name! }],
  mounts,
  restartCount: 0,
  specHash: 'hash-1',
});

const busybox = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: BUSYBOX_IMAGE,
  command: ['sh', '-c', script],
  ...extra,
});

/** Creates and starts one container per spec in a new sandbox. */
async function startPod(p: Pod, mounts: ContainerConfig['mounts'] = []): Promise<{ sandboxId: string; ids: string[] }> {
  const sandbox = await runtime.runPodSandbox(p);
  const ids: string[] = [];
  for (const container of p.spec!.containers) {
    const id = await runtime.createContainer(sandbox.id, config(p, container, mounts));
    await runtime.startContainer(id);
    ids.push(id);
  }
  return { sandboxId: sandbox.id, ids };
}


const execOut = async (id: string, cmd: string[]): Promise<string | undefined> => {
  const { exitCode, output } = await runtime.execSync(id, cmd, 5);
  return exitCode === 0 ? output : undefined;
};

describe('a two-container pod', () => {
  let web: string;
  let client: string;
  let sandboxId: string;
  let hostPort: number;

  beforeAll(async () => {
    hostPort = await freePort();
    const p = pod('two', [
      busybox('web', 'echo from-web > /shared/a.txt; mkdir -p /www; echo "web ok $POD_NAME" > /www/index.html; exec httpd -f -p 8080 -h /www', {
        ports: [{ containerPort: 8080, hostPort, hostIP: '127.0.0.1' }],
      }),
      busybox('client', 'exec sleep 3600'),
    ]);
    const shared = join(podsDir, p.metadata!.uid!, 'volumes/kubernetes.io~empty-dir/shared');
    await mkdir(shared, { recursive: true });
    const started = await startPod(p, [{ hostPath: shared, containerPath: '/shared', readOnly: false }]);
    sandboxId = started.sandboxId;
    [web, client] = started.ids as [string, string];
  });

  it('has a running sandbox with a pod IP and containers labelled for adoption', async () => {
    const sandbox = (await runtime.listPodSandboxes()).find((s) => s.id === sandboxId);
    expect(sandbox).toMatchObject({ state: 'ready', podName: 'two', podNamespace: 'e2e', podUid: `${run}-two` });
    expect(sandbox?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const mine = (await runtime.listContainers()).filter((c) => c.sandboxId === sandboxId);
    expect(mine.map((c) => c.name).sort()).toEqual(['client', 'web']);
    expect(mine.every((c) => c.state === 'running' && c.startedAt !== undefined && c.specHash === 'hash-1')).toBe(true);
  });

  it('containers reach each other on localhost and share the emptyDir', async () => {
    const page = await until('httpd in the web container', () => execOut(client, ['wget', '-qO-', 'http://127.0.0.1:8080/']));
    expect(page).toBe('web ok two\n');
    expect(await execOut(client, ['cat', '/shared/a.txt'])).toBe('from-web\n');
  });

  it('publishes the hostPort on 127.0.0.1', async () => {
    const body = await until('the host port', async () => (await fetch(`http://127.0.0.1:${hostPort}/`)).text());
    expect(body).toBe('web ok two\n');
  });

  it('execSync returns exit codes and capped, merged output; a slow command times out', async () => {
    // Docker copies stdout and stderr on separate goroutines, so their relative order is not
    // defined: both must arrive, in either order.
    const mixed = await runtime.execSync(client, ['sh', '-c', 'echo out; echo err >&2; exit 3'], 5);
    expect(mixed.exitCode).toBe(3);
    expect(mixed.output.split('\n').filter(Boolean).sort()).toEqual(['err', 'out']);
    const big = await runtime.execSync(client, ['sh', '-c', 'yes | head -c 100000'], 5);
    expect(big.exitCode).toBe(0);
    expect(big.output.length).toBe(16 * 1024);
    await expect(runtime.execSync(client, ['sleep', '30'], 1)).rejects.toMatchObject({ code: 'Timeout' });
  });

  it('exec passes stdin through and reports the exit code', async () => {
    const session = await runtime.exec(client, { cmd: ['sh', '-c', 'cat; echo done >&2; exit 5'], stdin: true, stdout: true, stderr: true, tty: false });
    const out = text(session.stdout!);
    const err = text(session.stderr!);
    session.stdin!.end('ping\n');
    expect(await session.wait()).toBe(5);
    expect(await out).toBe('ping\n');
    expect(await err).toBe('done\n');
  });

  it('reports non-zero memory for a running container and network counters for the sandbox', async () => {
    const [webStats, sandboxStats] = await runtime.stats([web, sandboxId]);
    expect(webStats?.memoryUsageBytes).toBeGreaterThan(0);
    expect(webStats?.memoryWorkingSetBytes).toBeGreaterThan(0);
    expect(webStats?.cpuUsageCoreNanoSeconds).toBeGreaterThan(0);
    expect(sandboxStats?.rxBytes).toBeGreaterThan(0);
  });

  it('a fresh runtime instance of the same kubelet adopts the containers with their labels', async () => {
    const other = createDockerRuntime({ docker: dockerHost, podsDir });
    const adopted = (await other.listContainers()).filter((c) => c.podUid === `${run}-two`);
    expect(adopted.map((c) => c.id).sort()).toEqual([web, client].sort());
    expect(adopted.every((c) => c.labels[LABEL_RESTART_COUNT] === '0' && c.labels[LABEL_CONTAINER_NAME] === c.name)).toBe(true);
    expect((await other.listPodSandboxes()).some((s) => s.id === sandboxId && s.state === 'ready')).toBe(true);
    // Another kubelet on the same dockerd (another node name) sees none of them.
    const neighbour = createDockerRuntime({ docker: dockerHost, podsDir, nodeName: `neighbour-${run}` });
    expect((await neighbour.listContainers()).filter((c) => c.podUid.startsWith(run))).toEqual([]);
    expect((await neighbour.listPodSandboxes()).filter((s) => s.podUid.startsWith(run))).toEqual([]);
  });

  it('removing the sandbox removes its containers; removing again is harmless', async () => {
    await runtime.stopPodSandbox(sandboxId);
    expect((await runtime.listPodSandboxes()).find((s) => s.id === sandboxId)?.state).toBe('notready');
    await runtime.removePodSandbox(sandboxId);
    await runtime.removePodSandbox(sandboxId);
    const left = (await runtime.listContainers()).filter((c) => c.sandboxId === sandboxId || c.id === sandboxId);
    expect(left).toEqual([]);
    expect(await runtime.containerStatus(web)).toBeUndefined();
    await runtime.stopContainer(web, 1);
    await runtime.removeContainer(web);
  });

  it('saw start and die events for the containers', async () => {
    await until('the die event', async () => (events.some((e) => e.type === 'container-died' && e.containerId === client) ? true : undefined));
    expect(events).toContainEqual({ type: 'container-started', containerId: web, podUid: `${run}-two` });
    expect(events).toContainEqual({ type: 'container-removed', containerId: client, podUid: `${run}-two` });
  });
});

describe('stopContainer', () => {
  it('lets a container that handles TERM exit, and kills one that ignores it after the grace period', async () => {
    const { ids } = await startPod(
      pod('stop', [
        busybox('polite', "trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 1 & wait $!; done"),
        busybox('stubborn', "trap '' TERM; echo ready; while :; do sleep 1; done"),
      ]),
    );
    const [polite, stubborn] = ids as [string, string];
    // Signals before the trap is set would take the default action; wait until both are ready.
    for (const id of ids) await until('ready', async () => ((await text(await runtime.logs(id, { follow: false, timestamps: false }))).includes('ready') ? true : undefined));
    await Promise.all([runtime.stopContainer(polite, 2), runtime.stopContainer(stubborn, 2)]);
    expect(await runtime.containerStatus(polite)).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
    expect(await runtime.containerStatus(stubborn)).toMatchObject({ state: 'exited', exitCode: 137, reason: 'Error' });
    expect(await text(await runtime.logs(polite, { follow: false, timestamps: false }))).toBe('ready\nbye\n');
  });
});

describe('resources, attach and tty', () => {
  it('applies limits and requests, and reports OOMKilled when the memory limit is hit', async () => {
    const resources = { limits: { memory: '16Mi', cpu: '500m' }, requests: { cpu: '250m' } };
    // dd fills a 64 MiB buffer: far past the 16 MiB limit.
    const { ids } = await startPod(pod('oom', [busybox('hog', 'exec dd if=/dev/zero of=/dev/null bs=64M count=1', { resources })]));
    const id = ids[0]!;
    const { HostConfig: host } = await dockerApi<{ HostConfig: Record<string, number> }>('GET', `/containers/${id}/json`);
    expect({ Memory: host.Memory, NanoCpus: host.NanoCpus, CpuShares: host.CpuShares }).toEqual({ Memory: 16 * 1024 * 1024, NanoCpus: 5e8, CpuShares: 256 });
    const status = await until('the hog to be killed', async () => {
      const s = await runtime.containerStatus(id);
      return s?.state === 'exited' ? s : undefined;
    }, 15_000);
    expect(status).toMatchObject({ reason: 'OOMKilled' });
    expect(status.exitCode).not.toBe(0);
  });

  it('attach passes stdin to the main process; with stdinOnce, ending it ends the process', async () => {
    const { ids } = await startPod(pod('attach', [{ name: 'cat', image: BUSYBOX_IMAGE, command: ['cat'], stdin: true, stdinOnce: true }]));
    const session = await runtime.attach(ids[0]!, { stdin: true, stdout: true, stderr: true, tty: false });
    const out = text(session.stdout!);
    session.stdin!.end('hello attach\n');
    expect(await session.wait()).toBe(0);
    expect(await out).toBe('hello attach\n');
  });

  it('exec with a TTY merges output into one stream and can be resized', async () => {
    const { ids } = await startPod(pod('tty', [busybox('sh', 'exec sleep 3600')]));
    const session = await runtime.exec(ids[0]!, { cmd: ['sh', '-c', 'sleep 0.2; stty size; echo to-stderr >&2'], stdin: false, stdout: true, stderr: true, tty: true });
    await session.resize(100, 30);
    const out = await text(session.stdout!);
    expect(session.stderr).toBeUndefined();
    expect(out.replace(/\r/g, '')).toBe('30 100\nto-stderr\n');
    expect(await session.wait()).toBe(0);
  });
});

describe('logs', () => {
  let chatty: string;
  let slow: string;
  let stderr: string;

  beforeAll(async () => {
    const started = await startPod(
      pod('logs', [
        busybox('chatty', 'for i in 1 2 3 4 5; do echo line$i; done; exec sleep 3600'),
        busybox('slow', 'echo first; sleep 1; echo second'),
        busybox('stderr', 'echo to-out; echo to-err >&2; exec sleep 3600'),
      ]),
    );
    [chatty, slow, stderr] = started.ids as [string, string, string];
    await until('the logs', async () => ((await read(chatty, {})).includes('line5') ? true : undefined));
  });

  const read = async (id: string, options: Partial<Parameters<ContainerRuntime['logs']>[1]>): Promise<string> =>
    text((await runtime.logs(id, { follow: false, timestamps: false, ...options })) as Readable);

  it('returns the log, its tail, and at most limitBytes', async () => {
    expect(await read(chatty, {})).toBe('line1\nline2\nline3\nline4\nline5\n');
    expect(await read(chatty, { tailLines: 2 })).toBe('line4\nline5\n');
    expect(await read(chatty, { limitBytes: 8 })).toBe('line1\nli');
  });

  it('merges stdout and stderr', async () => {
    // Docker copies the two pipes separately, so their relative order is not kept.
    const lines = await until('both lines', async () => {
      const got = (await read(stderr, {})).split('\n').filter(Boolean);
      return got.length === 2 ? got : undefined;
    }, 15_000);
    expect(lines.sort()).toEqual(['to-err', 'to-out']);
  });

  it('prefixes RFC 3339 timestamps', async () => {
    const lines = (await read(chatty, { timestamps: true, tailLines: 1 })).trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line5$/);
  });

  it('follows until the container exits', async () => {
    expect(await read(slow, { follow: true })).toBe('first\nsecond\n');
    expect(await runtime.containerStatus(slow)).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
  });

  it('a container that vanished is NotFound for logs and undefined for status', async () => {
    await runtime.removeContainer(slow);
    expect(await runtime.containerStatus(slow)).toBeUndefined();
    await expect(runtime.logs(slow, { follow: false, timestamps: false })).rejects.toMatchObject({ code: 'NotFound' });
    expect((await runtime.listContainers()).some((c) => c.id === slow)).toBe(false);
    expect(await runtime.stats([slow])).toEqual([]);
    await expect(runtime.execSync(slow, ['true'], 1)).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('image pulls through a local registry', () => {
  const registryBin = '/usr/bin/docker-registry';
  let registry: ChildProcess | undefined;
  let dir: string | undefined;
  let ref = '';

  afterAll(async () => {
    if (ref) await dockerApi('DELETE', `/images/${encodeURIComponent(ref)}`).catch(() => {});
    if (registry?.pid !== undefined && registry.exitCode === null) {
      const exited = new Promise((r) => registry!.once('exit', r));
      process.kill(registry.pid, 'SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!existsSync(registryBin))('pulls a pushed image, and fails clearly for a missing one (needs Debian docker-registry)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-registry-'));
    const port = await freePort();
    await writeFile(
      join(dir, 'config.yml'),
      ['version: 0.1', 'log: {level: error}', 'storage:', `  filesystem: {rootdirectory: ${join(dir, 'data')}}`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'),
    );
    registry = spawn(registryBin, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    await until('the registry', async () => ((await fetch(`${base}/v2/`)).ok ? true : undefined));

    const repo = `127.0.0.1:${port}/busybox`;
    ref = `${repo}:test`;
    await dockerApi('POST', `/images/${encodeURIComponent(BUSYBOX_IMAGE)}/tag?repo=${encodeURIComponent(repo)}&tag=test`);
    // The push answers with a JSON progress stream; failures come as {"error": ...} lines.
    const progress = await dockerApi<unknown>('POST', `/images/${encodeURIComponent(repo)}/push?tag=test`, {
      headers: { 'X-Registry-Auth': Buffer.from('{}').toString('base64') },
    });
    expect(typeof progress === 'string' ? progress : JSON.stringify(progress)).not.toContain('"error"');
    await dockerApi('DELETE', `/images/${encodeURIComponent(ref)}`);
    expect(await runtime.imageId(ref)).toBeUndefined();

    const id = await runtime.pullImage(ref);
    expect(id).toMatch(/^sha256:/);
    expect(await runtime.imageId(ref)).toBe(id);

    const missing = `127.0.0.1:${port}/nothing:here`;
    const err = await runtime.pullImage(missing).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe('PullFailed');
    expect(err?.message).toContain(`pulling image ${missing}`);
    expect(err?.message).toMatch(/not found|unknown/i);

    // A registry off this machine is refused before dockerd is asked (no traffic leaves).
    await expect(runtime.pullImage('tskube/busybox:latest')).rejects.toMatchObject({ code: 'PullFailed', message: expect.stringContaining('remote pulls are disabled') });
  });
});
