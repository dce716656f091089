/**
 * kubectl 1.20 (Debian bookworm's `kubernetes-client`, 1.20.5+really1.20.2) for compatibility
 * tests, fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a private dir.
 * The .deb is never installed: it would replace /usr/bin/kubectl (1.32).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Returns the path of a kubectl 1.20 binary under `dir` (`<dir>/usr/bin/kubectl`), unpacking
 * it on first use; `TSKUBE_KUBECTL120` names a binary to use instead. Undefined when the
 * package cannot be had (no apt, no network to the Debian mirror, not Debian).
 */
export async function ensureKubectl120(dir: string): Promise<string | undefined> {
  const given = process.env['TSKUBE_KUBECTL120'];
  if (given) return (await isKubectl120(given)) ? given : undefined;
  const bin = join(dir, 'usr', 'bin', 'kubectl');
  if (await isKubectl120(bin)) return bin;

  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, '.download-'));
  try {
    await run('apt-get', ['download', '-qq', 'kubernetes-client'], { cwd: work, timeout: 180_000 });
    const deb = (await readdir(work)).find((f) => f.startsWith('kubernetes-client_') && f.endsWith('.deb'));
    if (!deb) return undefined;
    const root = join(work, 'root');
    await run('dpkg-deb', ['-x', join(work, deb), root], { timeout: 60_000 });
    // Move the finished tree into place in one step, so a half-unpacked binary is never used.
    await rm(join(dir, 'usr'), { recursive: true, force: true });
    await rename(join(root, 'usr'), join(dir, 'usr'));
    return (await isKubectl120(bin)) ? bin : undefined;
  } catch {
    return undefined;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function isKubectl120(bin: string): Promise<boolean> {
  if (!existsSync(bin)) return false;
  try {
    const { stdout } = await run(bin, ['version', '--client', '--short'], { timeout: 20_000 });
    return /v1\.20\./.test(stdout);
  } catch {
    return false;
  }
}
