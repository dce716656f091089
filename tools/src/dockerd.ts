/**
 * Finds a Docker Engine that answers, or starts `dockerd` (Debian docker.io) when none does, for
 * tests and the local cluster. A dockerd that was already running is never stopped by us.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EnsureDockerdOptions {
  /** Where a dockerd we start writes its output (appended; default $TMPDIR/tskube-dockerd.log). */
  logFile?: string;
  /** How long to wait for a dockerd we start to answer /_ping (default 60 000 ms). */
  startTimeoutMs?: number;
}

export interface DockerdHandle {
  /** A DOCKER_HOST url, e.g. `unix:///var/run/docker.sock`. */
  host: string;
  /** Set only when ensureDockerd started dockerd itself. */
  startedPid?: number;
  /** Stops a dockerd we started (SIGTERM, SIGKILL after 20 s); no-op for one that was running. */
  stop(): Promise<void>;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** `DOCKER_HOST` as dockerode-style connection options: a socket path or host and port. */
export function parseDockerHost(host: string): { socketPath: string } | { host: string; port: number } {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

/** Whether a Docker Engine answers `GET /_ping` at `host` (a DOCKER_HOST url). */
export function dockerAnswers(host: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    let target: ReturnType<typeof parseDockerHost>;
    try {
      target = parseDockerHost(host);
    } catch {
      resolve(false);
      return;
    }
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** `DOCKERD_BIN`, else /usr/sbin/dockerd, else `dockerd` from PATH. */
export function dockerdBinary(): string {
  return process.env['DOCKERD_BIN'] || (existsSync('/usr/sbin/dockerd') ? '/usr/sbin/dockerd' : 'dockerd');
}

export async function ensureDockerd(options: EnsureDockerdOptions = {}): Promise<DockerdHandle> {
  const given = process.env['DOCKER_HOST'];
  if (given) {
    if (!(await dockerAnswers(given, 3_000))) throw new Error(`DOCKER_HOST=${given}: no Docker Engine answers /_ping`);
    return { host: given, stop: async () => {} };
  }
  const host = `unix://${DEFAULT_DOCKER_SOCKET}`;
  if (await dockerAnswers(host)) return { host, stop: async () => {} };
  // A dockerd still starting or shutting down holds the pid file, and a second one would refuse
  // to start ("pid file found, ensure docker is not running"): wait for it to answer or go.
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  if ((await waitForPreviousDockerd(DEFAULT_DOCKERD_PIDFILE, host, timeoutMs)) === 'answered') return { host, stop: async () => {} };
  return startDockerd(host, options);
}

/** Where Debian's dockerd writes its pid by default. */
export const DEFAULT_DOCKERD_PIDFILE = '/var/run/docker.pid';

/**
 * Waits while the dockerd named by `pidFile` is alive and not answering at `host`: `answered`
 * once it answers (it was starting), `gone` once it exited or if there is none (it was stopping,
 * or the file is stale), `alive` if neither happened within `timeoutMs`.
 */
export async function waitForPreviousDockerd(pidFile: string, host: string, timeoutMs: number): Promise<'answered' | 'gone' | 'alive'> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return 'gone';
  }
  if (!Number.isInteger(pid) || pid <= 0) return 'gone';
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (await dockerAnswers(host, 500)) return 'answered';
    if (Date.now() > deadline) return 'alive';
    await sleep(200);
  }
  return 'gone';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startDockerd(host: string, options: EnsureDockerdOptions): Promise<DockerdHandle> {
  const bin = dockerdBinary();
  // dockerd writes straight into a file, not a pipe: it must outlive this process when a test
  // worker starts it (a Go program dies of SIGPIPE writing to a closed stdout).
  const logFile = options.logFile ?? join(tmpdir(), 'tskube-dockerd.log');
  const fd = openSync(logFile, 'a');
  const logStart = fstatSync(fd).size;
  // Default data-root and socket, so images built once survive across runs. Detached (own process
  // group) and unref'd: a Ctrl-C of the test run does not kill it mid-write, and it does not keep
  // this process alive.
  let child: ChildProcess;
  try {
    child = spawn(bin, [], { stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  let exited = false;
  child.once('exit', () => (exited = true));
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
    exited = true;
  });
  child.unref();
  const tail = (): string => {
    try {
      return readFileSync(logFile).subarray(logStart).toString('utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!exited && child.pid !== undefined) await stopDockerdPid(child.pid);
    })());

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      const why = spawnError ? `could not run ${bin}: ${spawnError.message}` : `${bin} exited before answering`;
      throw new Error(`${why} (log: ${logFile})\n--- dockerd log tail ---\n${tail()}`);
    }
    if (await dockerAnswers(host, 500)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dockerd did not answer at ${host} after ${timeoutMs} ms (log: ${logFile})\n--- dockerd log tail ---\n${tail()}`);
    }
    await sleep(200);
  }
  return { host, startedPid: child.pid!, stop };
}

/** Stops a dockerd by PID (SIGTERM, SIGKILL after `graceMs`), e.g. one another process started. */
export async function stopDockerdPid(pid: number, graceMs = 20_000): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) signal(pid, 'SIGKILL');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

// Ref'd timers: dockerd is unref'd, so nothing else keeps this process alive while we wait on it.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
