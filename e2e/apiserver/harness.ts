/**
 * Runs the real `tskube-apiserver` bin (apps/apiserver/dist/main.js: `npm run build` first) as
 * a child process for one test file, so flags, TLS, token auth and signal handling are the ones
 * users get. It listens on free loopback ports (TLS + token, and the insecure port for plain
 * fetches), keeps its keys under a unique etcd prefix of the shared test etcd, and comes with
 * a kubeconfig and a `kubectl` runner that never touches ~/.kube.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { createDevPki, devApiServerArgs, freePort, kubeconfigYaml, randomToken, writeKubeconfig, writeTokenFile, type DevPki } from '@tskube/tools';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const apiserverBin = resolve(repoRoot, 'apps/apiserver/dist/main.js');
export const KUBECTL = process.env['TSKUBE_KUBECTL'] ?? '/usr/bin/kubectl';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface KubectlOptions {
  stdin?: string;
  /** Another kubeconfig (e.g. one with a wrong token). */
  kubeconfig?: string;
  /** Another kubectl binary (e.g. 1.20). */
  bin?: string;
  timeoutMs?: number;
  /** Extra environment for this kubectl (e.g. EDITOR for `kubectl edit`). */
  env?: Record<string, string>;
}

export interface StartOptions {
  etcdEndpoint: string;
  /** Extra flags for the bin. */
  args?: string[];
}

export interface ApiServerProcess {
  /** `https://127.0.0.1:<port>` (TLS, bearer token). */
  secureUrl: string;
  /** `http://127.0.0.1:<port>` (no auth). */
  insecureUrl: string;
  token: string;
  pki: DevPki;
  /** The temp dir with kubeconfig, token file, kubectl cache and HOME. */
  dir: string;
  kubeconfig: string;
  /** The kubeconfig text, for client-node's `KubeConfig.loadFromString`. */
  kubeconfigText: string;
  etcdEndpoint: string;
  /** The etcd key prefix this apiserver owns. */
  etcdPrefix: string;
  pid(): number | undefined;
  /** kubectl with this kubeconfig and a private cache dir; KUBECTL_* and KUBECONFIG cleared. */
  kubectl(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
  /** A long-running kubectl (e.g. `get -w`): its output so far, and stop() (SIGTERM by PID). */
  kubectlStream(args: string[], options?: Omit<KubectlOptions, 'stdin' | 'timeoutMs'>): KubectlStream;
  /** fetch against the insecure port: `api('/api/v1/pods')`. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Writes another kubeconfig for this server into the temp dir and returns its path. */
  writeKubeconfig(name: string, options: { token?: string; useInsecurePort?: boolean }): Promise<string>;
  /** SIGTERM then start again with the same flags, etcd and ports; returns the first run's exit code. */
  restart(): Promise<number | null>;
  /** SIGTERM by PID, wait for exit (SIGKILL after 15 s); returns the exit code (0 = graceful). */
  stop(): Promise<number | null>;
  /** Everything the process wrote to stdout and stderr, for failure messages. */
  logs(): string;
  /** stop() and remove the temp dir. */
  dispose(): Promise<number | null>;
}

export interface KubectlStream {
  output(): string;
  stop(): Promise<void>;
}

export async function startApiServer(options: StartOptions): Promise<ApiServerProcess> {
  if (!existsSync(apiserverBin)) {
    throw new Error(`${apiserverBin} is missing: run \`npx nx run-many -t build\` (npm test does) before the e2e tests`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'tskube-e2e-apiserver-'));
  const pki = await createDevPki(join(dir, 'pki'));
  const token = randomToken();
  const tokenFile = join(dir, 'tokens.csv');
  await writeTokenFile(tokenFile, [{ token, user: 'admin', uid: 'admin', groups: ['system:masters'] }]);
  const securePort = await freePort();
  const insecurePort = await freePort();
  const secureUrl = `https://127.0.0.1:${securePort}`;
  const insecureUrl = `http://127.0.0.1:${insecurePort}`;
  const etcdPrefix = `/tskube-e2e-${randomToken().slice(0, 12)}`;
  const kubeconfig = join(dir, 'kubeconfig');
  const kubeconfigText = await writeKubeconfig(kubeconfig, { server: secureUrl, caFile: pki.caCert, token, namespace: 'default' });

  const args = [
    apiserverBin,
    ...devApiServerArgs({ pki, tokenFile, etcdServers: options.etcdEndpoint, etcdPrefix, securePort, insecurePort }),
    ...(options.args ?? []),
  ];

  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);
  let output = '';
  const killOnExit = (): void => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) signalPid(child.pid, 'SIGKILL');
  };
  process.on('exit', killOnExit);

  const launch = async (): Promise<void> => {
    const proc = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, TSKUBE_LOG_LEVEL: process.env['TSKUBE_LOG_LEVEL'] ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const append = (d: Buffer): void => {
      output += d.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    exited = once(proc, 'exit').then(([code]) => code as number | null);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`tskube-apiserver exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${output}`);
      }
      try {
        // The insecure port may answer before the secure one listens: wait for both.
        const res = await fetch(`${insecureUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok && (await portOpen(securePort))) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`tskube-apiserver not ready after 30 s:\n${output}`);
      await sleep(100);
    }
  };

  const stop = async (): Promise<number | null> => {
    const proc = child;
    if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return exited;
    signalPid(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => signalPid(proc.pid!, 'SIGKILL'), 15_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const env = kubectlEnv(dir);
  const kubectlArgs = (args: string[], opts?: { kubeconfig?: string }): string[] => [
    `--kubeconfig=${opts?.kubeconfig ?? kubeconfig}`,
    `--cache-dir=${join(dir, 'kube-cache')}`,
    ...args,
  ];

  const server: ApiServerProcess = {
    secureUrl,
    insecureUrl,
    token,
    pki,
    dir,
    kubeconfig,
    kubeconfigText,
    etcdEndpoint: options.etcdEndpoint,
    etcdPrefix,
    pid: () => child?.pid,
    kubectl: (args, opts = {}) => runKubectl(opts.bin ?? KUBECTL, kubectlArgs(args, opts), { ...env, ...opts.env }, opts),
    kubectlStream(args, opts = {}) {
      const proc = spawn(opts.bin ?? KUBECTL, kubectlArgs(args, opts), { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const done = once(proc, 'exit');
      return {
        output: () => out,
        async stop() {
          if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) signalPid(proc.pid, 'SIGTERM');
          await done;
        },
      };
    },
    api: (path, init) => fetch(`${insecureUrl}${path}`, init),
    async writeKubeconfig(name, opts) {
      const path = join(dir, name);
      const text = opts.useInsecurePort
        ? kubeconfigYaml({ server: insecureUrl })
        : kubeconfigYaml({ server: secureUrl, caFile: pki.caCert, token: opts.token ?? token });
      await writeFile(path, text, { mode: 0o600 });
      return path;
    },
    async restart() {
      const code = await stop();
      await launch();
      return code;
    },
    stop,
    logs: () => output,
    async dispose() {
      const code = await stop();
      process.off('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
  try {
    await launch();
  } catch (err) {
    await server.dispose();
    throw err;
  }
  return server;
}

/** The environment for kubectl: no KUBECONFIG or KUBECTL_* from the developer, HOME in the temp dir. */
function kubectlEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'KUBECONFIG' || k.startsWith('KUBECTL_') || k === 'HOME') continue;
    env[k] = v;
  }
  env['HOME'] = dir;
  return env;
}

async function runKubectl(bin: string, args: string[], env: NodeJS.ProcessEnv, opts: KubectlOptions): Promise<KubectlResult> {
  const proc = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdin.on('error', () => undefined);
  proc.stdin.end(opts.stdin ?? '');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const timer = setTimeout(() => {
    stderr += `\n[harness] kubectl ${args.join(' ')} timed out after ${timeoutMs} ms`;
    if (proc.pid !== undefined) signalPid(proc.pid, 'SIGKILL');
  }, timeoutMs);
  const [code] = (await once(proc, 'close')) as [number | null];
  clearTimeout(timer);
  return { stdout, stderr, code };
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Asserts kubectl exited 0, showing its stderr and the apiserver's log tail when it did not. */
export function expectKubectlOk(server: ApiServerProcess, r: KubectlResult): KubectlResult {
  expect(r.code, `kubectl failed: ${r.stderr}\n--- apiserver log tail ---\n${server.logs().slice(-3000)}`).toBe(0);
  return r;
}
