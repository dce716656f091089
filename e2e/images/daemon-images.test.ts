/**
 * The daemon images on our real dockerd: built offline from the dists, tagged with the version
 * and `latest`, left alone when nothing changed, and rebuilt when stale (a test recipe). The apiserver image
 * serves from memory and from etcd (a tskube/etcd container on our bridge: the bundled etcd3
 * and its .proto files), checked from inside its container as the insecure port is loopback
 * only, and exits 0 on `docker stop`; the scheduler and kubelet images run their bin (`--help`).
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUSYBOX_IMAGE,
  DAEMONS,
  ETCD_IMAGE,
  IMAGE_HASH_LABEL,
  daemonImage,
  ensureDaemonImages,
  ensureImages,
  ensureRecipes,
  type DaemonName,
  type Recipe,
} from '@tskube/tools';
import { dockerApi, useDocker } from '../setup/docker.js';
import { until } from '../setup/wait.js';

const run = randomUUID().slice(0, 8);
let dockerHost: string;
const created: string[] = [];
/** Images of test recipes, removed at the end. */
const testImages: string[] = [];

beforeAll(async () => {
  dockerHost = (await useDocker()).host;
  await ensureDaemonImages(dockerHost);
}, 300_000);

afterAll(async () => {
  await Promise.all(created.map((id) => dockerApi('DELETE', `/containers/${id}?force=1&v=1`).catch(() => {})));
  for (const image of testImages) await dockerApi('DELETE', `/images/${encodeURIComponent(image)}`).catch(() => {});
});

interface ImageInfo {
  Id: string;
  RepoTags: string[];
  Size: number;
  Config: { Entrypoint: string[] | null; Labels: Record<string, string> | null };
}

interface ContainerInfo {
  State: { Running: boolean; ExitCode: number };
  NetworkSettings: { IPAddress: string };
}

async function startContainer(name: string, image: string, args: string[] | undefined, tty = false): Promise<string> {
  const { Id } = await dockerApi<{ Id: string }>('POST', `/containers/create?name=tskube-e2e-images-${run}-${name}`, {
    body: { Image: image, Tty: tty, ...(args ? { Cmd: args } : {}) },
  });
  created.push(Id);
  await dockerApi('POST', `/containers/${Id}/start`);
  return Id;
}

/** `docker exec` with a TTY (so the output is not multiplexed): the output and exit code. */
async function exec(id: string, cmd: string[]): Promise<{ output: string; exitCode: number | null }> {
  const { Id } = await dockerApi<{ Id: string }>('POST', `/containers/${id}/exec`, {
    body: { Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true },
  });
  const out = await dockerApi<unknown>('POST', `/exec/${Id}/start`, { body: { Detach: false, Tty: true } });
  const { ExitCode } = await dockerApi<{ ExitCode: number | null }>('GET', `/exec/${Id}/json`);
  // dockerApi parses a JSON answer; the caller wants the text either way.
  return { output: typeof out === 'string' ? out : JSON.stringify(out), exitCode: ExitCode };
}

describe('daemon images', () => {
  it.each(Object.keys(DAEMONS) as DaemonName[])('tskube/%s is tagged with its version and latest, entrypoint its bin', async (daemon) => {
    const versioned = await dockerApi<ImageInfo>('GET', `/images/${encodeURIComponent(daemonImage(daemon))}/json`);
    const latest = await dockerApi<ImageInfo>('GET', `/images/${encodeURIComponent(daemonImage(daemon, 'latest'))}/json`);
    expect(latest.Id).toBe(versioned.Id);
    expect(versioned.Config.Entrypoint).toEqual([`/usr/local/bin/${DAEMONS[daemon]}`]);
    expect(versioned.Config.Labels?.[IMAGE_HASH_LABEL]).toMatch(/^[0-9a-f]{32}$/);
    console.log(`${daemonImage(daemon)}: ${(versioned.Size / 1e6).toFixed(1)} MB`);
  });

  it('are left alone when nothing changed', async () => {
    const before = await dockerApi<ImageInfo>('GET', `/images/${encodeURIComponent(daemonImage('scheduler'))}/json`);
    const results = await ensureDaemonImages(dockerHost, { daemons: ['scheduler'] });
    expect(results).toEqual([expect.objectContaining({ image: daemonImage('scheduler'), action: 'present' })]);
    const after = await dockerApi<ImageInfo>('GET', `/images/${encodeURIComponent(daemonImage('scheduler'))}/json`);
    expect(after.Id).toBe(before.Id);
  });

  it('a recipe is rebuilt when its inputs change: every tag moves, the stale build goes, a foreign image stays', async () => {
    const image = `tskube/e2e-images-${run}:v1`;
    const latest = `tskube/e2e-images-${run}:latest`;
    testImages.push(image, latest);
    let input = 'one';
    const recipe: Recipe = {
      image,
      alsoTag: [latest],
      inputs: async () => [input],
      async build(root) {
        await writeFile(join(root, 'input'), input);
        return { changes: ['CMD ["/input"]'] };
      },
    };
    const actions = async () => (await ensureRecipes(dockerHost, [recipe])).map((r) => r.action);
    const inspect = (name: string) => dockerApi<ImageInfo>('GET', `/images/${encodeURIComponent(name)}/json`);

    expect(await actions()).toEqual(['built']);
    const first = await inspect(image);
    expect(await actions()).toEqual(['present']);
    input = 'two';
    expect(await actions()).toEqual(['built']);
    const second = await inspect(image);
    expect(second.Id).not.toBe(first.Id);
    expect((await inspect(latest)).Id).toBe(second.Id);
    await expect(inspect(first.Id)).rejects.toThrow(/HTTP 404/);

    // An image tagged over ours is stale too, but it keeps its own tag and is not deleted.
    await ensureImages(dockerHost, [BUSYBOX_IMAGE]);
    const [repo, tag] = image.split(':') as [string, string];
    await dockerApi('POST', `/images/${encodeURIComponent(BUSYBOX_IMAGE)}/tag?${new URLSearchParams({ repo, tag })}`);
    expect(await actions()).toEqual(['built']);
    expect((await inspect(BUSYBOX_IMAGE)).RepoTags).toEqual([BUSYBOX_IMAGE]);
  });

  it.each(['memory', 'etcd'] as const)('tskube/apiserver serves from %s storage and exits 0 on docker stop', async (storage) => {
    const flags = ['--secure-port=0', '--insecure-port=8080', `--storage=${storage}`];
    if (storage === 'etcd') {
      await ensureImages(dockerHost, [ETCD_IMAGE]);
      const etcd = await startContainer('etcd', ETCD_IMAGE, undefined);
      const { NetworkSettings } = await dockerApi<ContainerInfo>('GET', `/containers/${etcd}/json`);
      flags.push(`--etcd-servers=http://${NetworkSettings.IPAddress}:2379`, `--etcd-prefix=/e2e-images-${run}`);
    }
    const id = await startContainer(`apiserver-${storage}`, daemonImage('apiserver'), flags);
    const base = 'http://127.0.0.1:8080';
    const healthz = await until(
      'the apiserver in its container to answer /healthz',
      async () => {
        const probe = `fetch('${base}/healthz').then(async (r) => console.log(r.status + ' ' + (await r.text())))`;
        const { output, exitCode } = await exec(id, ['node', '-e', probe]);
        return exitCode === 0 && output.trim();
      },
      60_000,
      500,
    );
    expect(healthz).toBe('200 ok');

    // A write and a list through the whole registry stack.
    const script = `
      const base = '${base}/api/v1/namespaces';
      const made = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'from-image' } }) });
      const list = await (await fetch(base)).json();
      console.log(JSON.stringify({ created: made.status, kind: list.kind, names: list.items.map((n) => n.metadata.name) }));`;
    const { output, exitCode } = await exec(id, ['node', '--input-type=module', '-e', script]);
    expect(exitCode).toBe(0);
    const answer = JSON.parse(output) as { created: number; kind: string; names: string[] };
    expect(answer).toMatchObject({ created: 201, kind: 'NamespaceList' });
    expect(answer.names).toContain('from-image');

    await dockerApi('POST', `/containers/${id}/stop?t=30`);
    const info = await dockerApi<ContainerInfo>('GET', `/containers/${id}/json`);
    expect(info.State).toMatchObject({ Running: false, ExitCode: 0 });
  });

  it.each(['scheduler', 'kubelet'] as const)('tskube/%s runs its bin: --help, exit 0', async (daemon) => {
    const id = await startContainer(daemon, daemonImage(daemon), ['--help'], true);
    const { StatusCode } = await dockerApi<{ StatusCode: number }>('POST', `/containers/${id}/wait`);
    expect(StatusCode).toBe(0);
    const logs = await dockerApi<string>('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
    expect(logs).toContain(`${DAEMONS[daemon]} [flags]`);
  });
});
