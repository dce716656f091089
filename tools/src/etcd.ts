/**
 * Starts and stops a single-member etcd bound to 127.0.0.1, for tests and the local cluster.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartEtcdOptions {
  /** Where etcd keeps its data; by default a temp dir that stop() removes. */
  dataDir?: string;
  /** Client port; by default a free one. */
  clientPort?: number;
  /** Peer port; by default a free one. */
  peerPort?: number;
  /** Also append etcd's output to this file. */
  logFile?: string;
  /** How long to wait for /health (default 30 000 ms). */
  startTimeoutMs?: number;
}

export interface EtcdProcess {
  /** The client URL, e.g. `http://127.0.0.1:23790`. */
  endpoint: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s; removes the data dir if startEtcd created it. */
  stop(): Promise<void>;
}

/** `ETCD_BIN`, else Debian's /usr/bin/etcd, else `etcd` from PATH. */
export function etcdBinary(): string {
  return process.env['ETCD_BIN'] || (existsSync('/usr/bin/etcd') ? '/usr/bin/etcd' : 'etcd');
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether an etcd answers healthy at `endpoint` (`http://host:port`). */
export async function etcdAnswers(endpoint: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await fetch(new URL('/health', endpoint), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: unknown };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdProcess> {
  // Free ports can be taken between our probe and etcd's bind; then try again with new ones.
  const attempts = options.clientPort === undefined || options.peerPort === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= attempts || !(err instanceof EtcdStartError && err.exitedEarly)) throw err;
    }
  }
}

class EtcdStartError extends Error {
  constructor(
    message: string,
    readonly exitedEarly: boolean,
  ) {
    super(message);
  }
}

async function startOnce(options: StartEtcdOptions): Promise<EtcdProcess> {
  const clientPort = options.clientPort ?? (await freePort());
  const peerPort = options.peerPort ?? (await freePort());
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tskube-etcd-')));
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const bin = etcdBinary();
  const child = spawn(
    bin,
    [
      '--name=default',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-outputs=stderr',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );

  // Keep the last lines of output for error messages.
  const tail: string[] = [];
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const collect = (chunk: Buffer): void => {
    log?.write(chunk);
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
    exited = true;
  });

  // If this process exits without stop(), do not leave an orphaned etcd behind.
  const killOnExit = (): void => {
    if (!exited && child.pid !== undefined) signal(child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  const cleanup = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    log?.end();
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!exited && child.pid !== undefined) {
        signal(child.pid, 'SIGTERM');
        const killed = await Promise.race([exit.then(() => false), sleep(5_000).then(() => true)]);
        if (killed && !exited) {
          signal(child.pid, 'SIGKILL');
          await exit;
        }
      }
      await cleanup();
    })());

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      await cleanup();
      const why = spawnError ? `could not run ${bin}: ${spawnError.message}` : `${bin} exited before becoming healthy`;
      throw new EtcdStartError(`${why}\n--- etcd log tail ---\n${tail.join('\n')}`, true);
    }
    if (await etcdAnswers(clientUrl, 500)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new EtcdStartError(
        `etcd at ${clientUrl} not healthy after ${options.startTimeoutMs ?? 30_000} ms\n--- etcd log tail ---\n${tail.join('\n')}`,
        false,
      );
    }
    await sleep(100);
  }
  // Output is only needed for diagnostics now; stop holding onto the pipes' data.
  child.stdout.removeListener('data', collect).resume();
  child.stderr.removeListener('data', collect).resume();
  if (log) {
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
  }
  return { endpoint: clientUrl, pid: child.pid!, stop };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

// Unref'd: a pending kill deadline must not keep this process alive once etcd has exited.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
