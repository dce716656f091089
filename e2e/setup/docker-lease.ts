/**
 * Who may stop a dockerd that e2e tests started. Several test runs can share one machine (and so
 * one dockerd) at once: each run holds a lease (a file named by its main process id) from its
 * globalSetup to its teardown; a dockerd started by a test records its PID in a shared file; the
 * last run to leave stops that dockerd. A dockerd that was running before any test never gets a
 * PID file and is never stopped.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopDockerdPid } from '@tskube/tools';

const dir = join(tmpdir(), 'tskube-e2e-dockerd');
const leases = join(dir, 'leases');
const pidFile = join(dir, 'dockerd.pid');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Called by globalSetup: this run may use a dockerd started by any run. */
export function takeDockerLease(): void {
  mkdirSync(leases, { recursive: true });
  writeFileSync(join(leases, String(process.pid)), '');
}

/** Called by a test that started dockerd. */
export function recordStartedDockerd(pid: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(pidFile, `${pid}\n`);
}

/** Called by the teardown: drops this run's lease; the last run out stops the dockerd tests started. */
export async function releaseDockerLease(): Promise<void> {
  rmSync(join(leases, String(process.pid)), { force: true });
  const others = existsSync(leases) ? readdirSync(leases).map(Number).filter((pid) => pid > 0) : [];
  // A run that died without a teardown leaves a lease behind; its PID is gone.
  for (const pid of others.filter((p) => !alive(p))) rmSync(join(leases, String(pid)), { force: true });
  if (others.some(alive) || !existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (pid > 0 && alive(pid)) await stopDockerdPid(pid);
}
