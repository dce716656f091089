/**
 * Builds the images tests and the local cluster need, offline (no registry is reachable): each
 * is a `docker import` of a root filesystem made from this machine's Debian packages, with its
 * CMD and a content-hash label set by `changes`. Idempotent: an image whose label matches the
 * hash of its inputs is left alone. `npm run images` runs it; tests call `ensureImages()`.
 *
 * - tskube/busybox:latest  /bin/busybox (Debian busybox-static) and a symlink per applet
 * - tskube/pause:latest    a static C pause (tools/images/pause.c); a busybox one without gcc
 * - tskube/etcd:latest     Debian's /usr/bin/etcd and the shared libraries `ldd` lists
 * - tskube/<daemon>:<version> and :latest, for apiserver, scheduler and kubelet: Node and a
 *   bundle of the built app (daemons.ts); `ensureDaemonImages()`, and `npm run images` builds all.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureDockerd, parseDockerHost } from '../src/dockerd.js';
import { daemonRecipes, type DaemonName } from './daemons.js';
import { baseRoot, binaryInputs, copyBinary, fileHash, run } from './rootfs.js';

export const BUSYBOX_IMAGE = 'tskube/busybox:latest';
export const PAUSE_IMAGE = 'tskube/pause:latest';
export const ETCD_IMAGE = 'tskube/etcd:latest';
/** The label holding the hash of an image's inputs; a different hash rebuilds it. */
export const IMAGE_HASH_LABEL = 'io.tskube.image.hash';
/** Bump to rebuild every image after a change to how they are made. */
const RECIPE_VERSION = '1';

export interface ImageResult {
  image: string;
  /** `built`, or `present` when an image with the same input hash was there already. */
  action: 'built' | 'present';
  hash: string;
  /** e.g. that the pause image fell back to busybox. */
  note?: string;
}

export interface Recipe {
  image: string;
  /** More tags for the same image, e.g. `:latest` next to a version. */
  alsoTag?: string[];
  /** Everything the image is made from, hashed; computed without building. */
  inputs(): Promise<string[]>;
  /** Fills `root` and returns the Dockerfile `changes` (CMD, ENV, ...) and a note. */
  build(root: string): Promise<{ changes: string[]; note?: string }>;
}

const busyboxBinary = (): string => {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox']) if (existsSync(candidate)) return candidate;
  throw new Error('busybox not found: install the Debian package busybox-static (tools/scripts/lib.sh does)');
};

async function busyboxRoot(root: string): Promise<void> {
  const bin = busyboxBinary();
  await baseRoot(root);
  await copyFile(bin, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  const { stdout } = await run(bin, ['--list']);
  for (const applet of stdout.split('\n').map((s) => s.trim())) {
    if (!applet || applet === 'busybox' || applet.includes('/')) continue;
    await symlink('/bin/busybox', join(root, 'bin', applet)).catch(() => {});
  }
  // Scripts often say /usr/bin/env.
  await symlink('/bin/busybox', join(root, 'usr/bin/env')).catch(() => {});
}

const pauseSource = fileURLToPath(new URL('./pause.c', import.meta.url));

async function gccVersion(): Promise<string | undefined> {
  try {
    return (await run('gcc', ['--version'])).stdout.split('\n')[0];
  } catch {
    return undefined;
  }
}

const etcdBinary = (): string => process.env['ETCD_BIN'] || (existsSync('/usr/bin/etcd') ? '/usr/bin/etcd' : 'etcd');

const recipes: Recipe[] = [
  {
    image: BUSYBOX_IMAGE,
    inputs: async () => [fileHash(busyboxBinary())],
    async build(root) {
      await busyboxRoot(root);
      return { changes: ['CMD ["sh"]'] };
    },
  },
  {
    image: PAUSE_IMAGE,
    inputs: async () => [readFileSync(pauseSource, 'utf8'), (await gccVersion()) ?? `no gcc; busybox ${fileHash(busyboxBinary())}`],
    async build(root) {
      await baseRoot(root);
      try {
        await run('gcc', ['-static', '-O2', '-s', '-o', join(root, 'pause'), pauseSource]);
        return { changes: ['CMD ["/pause"]'] };
      } catch (err) {
        // Without a static libc, a busybox shell that exits 0 on TERM/INT does the same job
        // (it cannot reap zombies of a shared PID namespace as well, which we do not use).
        await busyboxRoot(root);
        const script = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";
        return {
          changes: [`CMD ["/bin/sh", "-c", ${JSON.stringify(script)}]`],
          note: `gcc -static failed (${String((err as Error).message).split('\n')[0]}); busybox-based pause`,
        };
      }
    },
  },
  {
    image: ETCD_IMAGE,
    inputs: () => binaryInputs(etcdBinary()),
    async build(root) {
      await baseRoot(root);
      const libs = await copyBinary(etcdBinary(), root, 'usr/bin/etcd');
      await mkdir(join(root, 'var/lib/etcd'), { recursive: true });
      return {
        changes: [
          'ENV ETCD_DATA_DIR=/var/lib/etcd',
          'ENV ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379',
          'ENV ETCD_ADVERTISE_CLIENT_URLS=http://127.0.0.1:2379',
          'EXPOSE 2379 2380',
          'CMD ["/usr/bin/etcd"]',
        ],
        note: libs === 0 ? 'etcd is static' : `with ${libs} shared libraries`,
      };
    },
  },
];

/**
 * Builds whatever busybox, pause or etcd image is missing or stale (`only`: just these images).
 * `dockerHost` defaults to $DOCKER_HOST or the default socket.
 */
export function ensureImages(dockerHost?: string, only?: string[]): Promise<ImageResult[]> {
  return ensureRecipes(dockerHost, only ? recipes.filter((r) => only.includes(r.image)) : recipes);
}

/**
 * Builds whatever daemon image (`tskube/<daemon>:<version>`, also tagged `:latest`) is missing
 * or stale, from the built apps/<daemon>/dist (run `npm run build` first).
 */
export function ensureDaemonImages(dockerHost?: string, options: { daemons?: readonly DaemonName[] } = {}): Promise<ImageResult[]> {
  return ensureRecipes(dockerHost, daemonRecipes(options.daemons));
}

/** Builds each recipe's image when missing or stale (its input hash differs); the engine of both above. */
export async function ensureRecipes(dockerHost: string | undefined, selected: readonly Recipe[]): Promise<ImageResult[]> {
  const host = dockerHost ?? process.env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock';
  const results: ImageResult[] = [];
  for (const recipe of selected) {
    const hash = createHash('sha256')
      .update(JSON.stringify([RECIPE_VERSION, recipe.image, await recipe.inputs()]))
      .digest('hex')
      .slice(0, 32);
    const previous = await inspectImage(host, recipe.image);
    if (previous?.Id && previous.Config?.Labels?.[IMAGE_HASH_LABEL] === hash) {
      await tagAll(host, recipe, previous.Id);
      results.push({ image: recipe.image, action: 'present', hash });
      continue;
    }
    const root = await mkdtemp(join(tmpdir(), 'tskube-image-'));
    try {
      const { changes, note } = await recipe.build(root);
      await importRootfs(host, root, recipe.image, [...changes, `LABEL ${IMAGE_HASH_LABEL}=${hash}`]);
      const id = (await inspectImage(host, recipe.image))?.Id;
      if (id) await tagAll(host, recipe, id);
      // The stale build lost its tags; drop it unless a container still uses it (409). An image
      // that still has a tag (someone else's, tagged over ours) is not ours to delete.
      const stale = previous?.Id ? await inspectImage(host, previous.Id) : undefined;
      if (stale?.Id && (stale.RepoTags ?? []).length === 0) await dockerRequest(host, 'DELETE', `/images/${stale.Id}`).catch(() => {});
      results.push({ image: recipe.image, action: 'built', hash, ...(note ? { note } : {}) });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
  return results;
}

/** Points each of the recipe's extra tags at image `id` (a no-op for a tag already there). */
async function tagAll(host: string, recipe: Recipe, id: string): Promise<void> {
  for (const tagged of recipe.alsoTag ?? []) {
    if ((await inspectImage(host, tagged))?.Id === id) continue;
    const [repo, tag = 'latest'] = tagged.split(':') as [string, string?];
    const res = await dockerRequest(host, 'POST', `/images/${encodeURIComponent(id)}/tag?${new URLSearchParams({ repo, tag })}`);
    if (res.status !== 201) throw new Error(`tagging ${recipe.image} as ${tagged}: HTTP ${res.status} ${res.body.toString('utf8')}`);
  }
}

interface DockerResponse {
  status: number;
  body: Buffer;
}

function dockerRequest(host: string, method: string, path: string, body?: NodeJS.ReadableStream): Promise<DockerResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { ...parseDockerHost(host), method, path, headers: body ? { 'content-type': 'application/x-tar' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

interface ImageInfo {
  Id?: string;
  RepoTags?: string[] | null;
  Config?: { Labels?: Record<string, string> | null };
}

async function inspectImage(host: string, image: string): Promise<ImageInfo | undefined> {
  const res = await dockerRequest(host, 'GET', `/images/${encodeURIComponent(image)}/json`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`inspecting ${image}: HTTP ${res.status} ${res.body.toString('utf8')}`);
  return JSON.parse(res.body.toString('utf8')) as ImageInfo;
}

/** `docker import` over the API: a tar of `root` (owned by root) as `image`. */
async function importRootfs(host: string, root: string, image: string, changes: string[]): Promise<void> {
  const [repo, tag = 'latest'] = image.split(':') as [string, string?];
  const query = new URLSearchParams({ fromSrc: '-', repo, tag });
  for (const change of changes) query.append('changes', change);
  const tar = spawn('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarError = '';
  tar.stderr.on('data', (chunk: Buffer) => (tarError += chunk.toString('utf8')));
  const tarExit = new Promise<number>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('exit', (code) => resolve(code ?? 1));
  });
  const res = await dockerRequest(host, 'POST', `/images/create?${query}`, tar.stdout);
  const code = await tarExit;
  if (code !== 0) throw new Error(`tar of ${root} failed (${code}): ${tarError}`);
  // The answer is a JSON progress stream: errors come as {"error": ...} lines even with a 200.
  const text = res.body.toString('utf8');
  const failed = text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return (JSON.parse(line) as { error?: string }).error;
      } catch {
        return undefined;
      }
    })
    .find(Boolean);
  if (res.status !== 200 || failed) throw new Error(`docker import ${image}: HTTP ${res.status} ${failed ?? text}`);
}

async function main(): Promise<void> {
  const docker = await ensureDockerd();
  try {
    for (const result of [...(await ensureImages(docker.host)), ...(await ensureDaemonImages(docker.host))]) {
      console.log(`${result.image}: ${result.action}${result.note ? ` (${result.note})` : ''}`);
    }
  } finally {
    // A dockerd started only for this build is stopped again; its images stay in its data root.
    await docker.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
