/**
 * The Docker implementation of ContainerRuntime (dockershim's model over dockerode): a pod is a
 * pause container (the sandbox) owning the network namespace and the host ports, and app
 * containers started with `--network container:<sandbox>`. Everything the kubelet needs to adopt
 * running containers after a restart lives in container names and labels.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Duplex, PassThrough } from 'node:stream';
import Dockerode from 'dockerode';
import type { Pod } from '@tskube/api-types';
import { silentLogger, type Logger } from '@tskube/component-base';
import {
  LABEL_MANAGED,
  LABEL_POD_UID,
  LABEL_SCOPE,
  RuntimeError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ExecOptions,
  type LogOptions,
  type RuntimeEvent,
  type RuntimeVersion,
  type SandboxStatus,
  type StreamSession,
} from './types.js';
import {
  LABEL_SANDBOX_ID,
  binds,
  containerLabels,
  containerName,
  dockerResources,
  entrypointAndCmd,
  isLoopbackRegistry,
  isSandboxLabels,
  portMappings,
  registryHost,
  sandboxIp,
  sandboxLabels,
  sandboxName,
  splitImageRef,
  toContainerStats,
  toContainerStatus,
  toSandboxStatus,
  type DockerStatsLike,
  type InspectLike,
  type ListLike,
} from './docker-mapping.js';
import { ByteLimit, FrameParser, MergeFrames, demux } from './docker-stream.js';

export interface DockerRuntimeOptions {
  /** A dockerode client, a socket path, or a DOCKER_HOST url; default $DOCKER_HOST or /var/run/docker.sock. */
  docker?: Dockerode | string;
  /** The kubelet's root dir (emptyDirs live under it); mounts arrive resolved in ContainerConfig. */
  podsDir: string;
  /**
   * The kubelet's node name: it scopes everything this runtime creates, lists and watches (label
   * io.tskube.kubelet.scope), so kubelets sharing a dockerd never see, adopt or remove each
   * other's containers. Without it the scope is `podsDir`, which is unique per kubelet as well.
   */
  nodeName?: string;
  pauseImage?: string;
  logger?: Logger;
  /**
   * Pull from registries off this machine (default false: only loopback registries, so a test or
   * a `:latest` image with pull policy Always can never send traffic out; the pull fails at once).
   */
  allowRemotePulls?: boolean;
  /** Output kept by execSync (default 16 KiB, like the kubelet's probe output cap). */
  execOutputLimit?: number;
  /**
   * How port forwarding reaches a pod: `nsenter` runs a tiny TCP pipe inside the pod's network
   * namespace (its localhost, as upstream; needs root, nsenter and a local dockerd); `pod-ip`
   * connects to the pod IP on the bridge (only reaches servers not bound to loopback). `auto`
   * (default) picks nsenter when it can.
   */
  portForwardVia?: 'auto' | 'nsenter' | 'pod-ip';
}

export const DEFAULT_PAUSE_IMAGE = 'tskube/pause:latest';

/** A DOCKER_HOST url or socket path → dockerode options. */
export function dockerConnection(target: string): Dockerode.DockerOptions {
  if (target.startsWith('unix://')) return { socketPath: target.slice('unix://'.length) };
  if (/^(tcp|http):\/\//.test(target)) {
    const url = new URL(target.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
  }
  return { socketPath: target };
}

interface DockerError {
  statusCode?: number;
  message?: string;
  json?: { message?: string } | null;
}
const statusOf = (err: unknown): number | undefined => (err as DockerError | undefined)?.statusCode;
const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
/** Docker's own message, without dockerode's "(HTTP code 404) no such container - " prefix. */
const dockerMessage = (err: unknown): string => {
  const e = err as DockerError;
  return (e.json?.message ?? e.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
};

/** Runs `fn`, mapping "no such container" to `fallback`. */
async function unlessGone<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err)) return fallback;
    throw err;
  }
}

/** `name` on $PATH, if executable. */
function which(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Run by node inside the pod's network namespace: connect to the pod's localhost, say so on
 * stderr (or say why not), then pipe stdin/stdout to the socket, half-closes included.
 */
const netPipeScript = (port: number): string =>
  `const s=require('net').connect({port:${port},host:'127.0.0.1',allowHalfOpen:true});` +
  `s.on('connect',()=>{process.stderr.write('connected\\n');process.stdin.pipe(s);s.pipe(process.stdout);});` +
  `s.on('error',(e)=>{process.stderr.write(e.message+'\\n');process.exit(1);});` +
  `s.on('close',()=>process.exit(0));`;

type PipeProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/** The pipe process as one Duplex; destroying it kills the process. */
function processDuplex(child: PipeProcess): Duplex {
  const duplex = new Duplex({
    allowHalfOpen: true,
    read: () => void child.stdout.resume(),
    write: (chunk: Buffer, _enc, cb) => void child.stdin.write(chunk, cb),
    final: (cb) => void child.stdin.end(cb),
    destroy: (err, cb) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      cb(err);
    },
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) child.stdout.pause();
  });
  child.stdout.on('end', () => duplex.push(null));
  child.stdin.on('error', (err) => duplex.destroy(err));
  return duplex;
}

/** Connects through `nsenter --net` into the namespace of process `pid`. */
function connectInNamespace(nsenter: string, pid: number, port: number, sandboxId: string): Promise<Duplex> {
  const child: PipeProcess = spawn(nsenter, ['--target', String(pid), '--net', '--', process.execPath, '-e', netPipeScript(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const onErr = (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.startsWith('connected\n')) {
        child.stderr.off('data', onErr);
        child.stderr.resume();
        resolve(processDuplex(child));
      }
    };
    child.stderr.on('data', onErr);
    child.on('error', (err) => reject(new RuntimeError(`port forward: running ${nsenter}: ${err.message}`, 'ConnectFailed')));
    child.on('exit', () => {
      const why = stderr.trim() || `the connecting process exited with ${child.exitCode ?? child.signalCode}`;
      reject(new RuntimeError(`failed to connect to localhost:${port} inside namespace of sandbox ${sandboxId.slice(0, 12)}: ${why}`, 'ConnectFailed'));
    });
  });
}

function connectTcp(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => reject(new RuntimeError(`failed to connect to ${host}:${port}: ${err.message}`, 'ConnectFailed')));
  });
}

export function createDockerRuntime(options: DockerRuntimeOptions): ContainerRuntime {
  const docker =
    options.docker instanceof Dockerode
      ? options.docker
      : new Dockerode(dockerConnection(options.docker ?? process.env['DOCKER_HOST'] ?? '/var/run/docker.sock'));
  const pauseImage = options.pauseImage ?? DEFAULT_PAUSE_IMAGE;
  const log = (options.logger ?? silentLogger()).child({ component: 'docker-runtime' });
  const execOutputLimit = options.execOutputLimit ?? 16 * 1024;
  const scope = options.nodeName ? `node:${options.nodeName}` : `dir:${options.podsDir}`;
  const scopeLabel = { [LABEL_SCOPE]: scope };
  const managedFilter = { label: [`${LABEL_MANAGED}=true`, `${LABEL_SCOPE}=${scope}`] };
  // Inspect answers by container id and state: a container's status only changes with its state,
  // so listContainers inspects only what is new or changed since the last list.
  const inspectCache = new Map<string, { key: string; status: ContainerStatus }>();

  const inspect = (id: string): Promise<InspectLike | undefined> =>
    unlessGone(() => docker.getContainer(id).inspect() as Promise<InspectLike>, undefined);

  const listManaged = async (): Promise<ListLike[]> =>
    (await docker.listContainers({ all: true, filters: managedFilter })) as unknown as ListLike[];

  async function ensureImage(image: string, what: string): Promise<void> {
    if ((await imageId(image)) === undefined) {
      throw new RuntimeError(`${what} image ${image} is not present on this node (build it with \`npm run images\` or pull it)`, 'ImageNotFound');
    }
  }

  async function imageId(image: string): Promise<string | undefined> {
    try {
      const info = await docker.getImage(image).inspect();
      return info.Id;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async function runPodSandbox(pod: Pod): Promise<SandboxStatus> {
    await ensureImage(pauseImage, 'pause');
    const uid = pod.metadata?.uid ?? '';
    const previous = (await listManaged()).filter((c) => isSandboxLabels(c.Labels ?? {}) && c.Labels?.[LABEL_POD_UID] === uid);
    const hostNetwork = pod.spec?.hostNetwork === true;
    const ports = hostNetwork ? { ExposedPorts: {}, PortBindings: {} } : portMappings(pod);
    const hostname = (pod.spec?.hostname ?? pod.metadata?.name ?? '').slice(0, 63);
    // The attempt makes the name unique; a leftover of the same name bumps it once more.
    for (let attempt = previous.length; ; attempt++) {
      try {
        const container = await docker.createContainer({
          name: sandboxName(pod, attempt),
          Image: pauseImage,
          Labels: { ...sandboxLabels(pod, attempt), ...scopeLabel },
          ...(hostNetwork ? {} : { Hostname: hostname }),
          ExposedPorts: ports.ExposedPorts,
          HostConfig: {
            NetworkMode: hostNetwork ? 'host' : 'bridge',
            PortBindings: ports.PortBindings,
            IpcMode: pod.spec?.hostIPC ? 'host' : 'shareable',
            ...(pod.spec?.hostPID ? { PidMode: 'host' } : {}),
            CpuShares: 2,
            LogConfig: { Type: 'json-file', Config: {} },
          },
        });
        try {
          await container.start();
        } catch (err) {
          await container.remove({ force: true }).catch(() => {});
          throw new RuntimeError(`starting the sandbox of pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${dockerMessage(err)}`, 'SandboxFailed');
        }
        const info = (await container.inspect()) as InspectLike;
        log.debug({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, id: container.id }, 'sandbox started');
        return {
          ...toSandboxStatus({
            Id: container.id,
            Names: [info.Name ?? ''],
            Labels: info.Config?.Labels ?? {},
            State: info.State?.Status ?? 'unknown',
            Created: Math.floor((Date.parse(info.Created ?? '') || Date.now()) / 1000),
          }),
          ip: hostNetwork ? '' : sandboxIp(info.NetworkSettings?.Networks, info.NetworkSettings?.IPAddress ?? ''),
          createdAt: Date.parse(info.Created ?? '') || Date.now(),
        };
      } catch (err) {
        if (statusOf(err) === 409 && attempt < previous.length + 5) continue;
        throw err;
      }
    }
  }

  async function containersOfSandbox(sandboxId: string): Promise<ListLike[]> {
    return (await docker.listContainers({ all: true, filters: { label: [`${LABEL_SANDBOX_ID}=${sandboxId}`] } })) as unknown as ListLike[];
  }

  async function stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await docker.getContainer(id).stop({ t: Math.max(0, Math.round(graceSeconds)) });
    } catch (err) {
      // 304: already stopped; 404: already gone.
      if (statusOf(err) === 304 || isNotFound(err)) return;
      throw err;
    }
  }

  async function removeContainer(id: string): Promise<void> {
    inspectCache.delete(id);
    try {
      await docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      // 409 "removal already in progress" ends the same way.
      if (isNotFound(err) || (statusOf(err) === 409 && /already in progress/.test(dockerMessage(err)))) return;
      throw err;
    }
  }

  async function createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const { pod, container } = config;
    const hostNetwork = pod.spec?.hostNetwork === true;
    await ensureImage(container.image ?? '', 'container');
    const joined = `container:${sandboxId}`;
    const name = containerName(pod, container.name, config.restartCount);
    const create = (): Promise<Dockerode.Container> =>
      docker.createContainer({
        name,
        Image: container.image ?? '',
        Labels: { ...containerLabels(sandboxId, config), ...scopeLabel },
        ...entrypointAndCmd(container),
        Env: config.env.map((e) => `${e.name}=${e.value}`),
        ...(container.workingDir ? { WorkingDir: container.workingDir } : {}),
        Tty: container.tty === true,
        OpenStdin: container.stdin === true,
        StdinOnce: container.stdinOnce === true,
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        HostConfig: {
          NetworkMode: hostNetwork ? 'host' : joined,
          IpcMode: pod.spec?.hostIPC ? 'host' : joined,
          ...(pod.spec?.hostPID ? { PidMode: 'host' } : pod.spec?.shareProcessNamespace ? { PidMode: joined } : {}),
          Binds: binds(config.mounts),
          ...dockerResources(container),
          LogConfig: { Type: 'json-file', Config: {} },
          RestartPolicy: { Name: 'no' },
        },
      });
    try {
      return (await create()).id;
    } catch (err) {
      if (statusOf(err) !== 409) {
        if (isNotFound(err)) throw new RuntimeError(`creating container ${container.name}: ${dockerMessage(err)}`, 'NotFound');
        throw err;
      }
      // A dead leftover with the same name (an earlier try that failed half-way): replace it.
      const old = await inspect(name);
      if (old && old.State?.Status === 'running') throw err;
      if (old) await removeContainer(old.Id);
      return (await create()).id;
    }
  }

  async function listContainers(): Promise<ContainerStatus[]> {
    const items = (await listManaged()).filter((c) => !isSandboxLabels(c.Labels ?? {}));
    const seen = new Set(items.map((c) => c.Id));
    for (const id of inspectCache.keys()) if (!seen.has(id)) inspectCache.delete(id);
    const out = await Promise.all(
      items.map(async (item) => {
        // `Status` ("Up 3 seconds", "Exited (1) ...") changes with time; `State` only with a transition.
        const key = item.State ?? '';
        const cached = inspectCache.get(item.Id);
        if (cached && cached.key === key && key !== 'created') return cached.status;
        const info = await inspect(item.Id);
        if (!info) return undefined;
        const status = toContainerStatus(info);
        inspectCache.set(item.Id, { key: info.State?.Status ?? '', status });
        return status;
      }),
    );
    return out.filter((s): s is ContainerStatus => s !== undefined);
  }

  async function createExec(id: string, opts: Dockerode.ExecCreateOptions): Promise<Dockerode.Exec> {
    try {
      return await docker.getContainer(id).exec(opts);
    } catch (err) {
      // 404: no such container; 409: it is not running.
      if (isNotFound(err)) throw new RuntimeError(`container ${id} not found`, 'NotFound');
      if (statusOf(err) === 409) throw new RuntimeError(`container ${id}: ${dockerMessage(err)}`, 'StartFailed');
      throw err;
    }
  }

  async function execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; output: string }> {
    const exec = await createExec(id, { Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = (await exec.start({ hijack: true, stdin: false, Tty: false })) as Duplex;
    const parser = new FrameParser();
    const chunks: Buffer[] = [];
    let kept = 0;
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        for (const frame of parser.push(chunk)) {
          if (kept >= execOutputLimit) continue;
          const part = frame.data.subarray(0, execOutputLimit - kept);
          chunks.push(part);
          kept += part.length;
        }
      });
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', reject);
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(1, timeoutSeconds) * 1000);
    });
    try {
      if ((await Promise.race([done, timedOut])) === 'timeout') {
        // Docker cannot kill an exec'd process; we stop waiting for it.
        stream.destroy();
        throw new RuntimeError(`command ${JSON.stringify(cmd)} timed out after ${timeoutSeconds}s`, 'Timeout');
      }
    } finally {
      clearTimeout(timer);
    }
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
  }

  /** A StreamSession over a hijacked connection. */
  function session(stream: Duplex, options: Omit<ExecOptions, 'cmd'>, resize: StreamSession['resize'], wait: () => Promise<number>): StreamSession {
    const out: StreamSession = { resize, wait };
    if (options.stdin) {
      const stdin = new PassThrough();
      stdin.pipe(stream, { end: false });
      // Ending stdin half-closes the connection: Docker closes the process's stdin.
      stdin.once('end', () => stream.end());
      out.stdin = stdin;
    }
    if (options.tty) {
      // A TTY has one raw stream.
      if (options.stdout || options.stderr) out.stdout = stream.pipe(new PassThrough());
    } else {
      const { stdout, stderr } = demux(stream);
      if (options.stdout) out.stdout = stdout;
      else stdout.resume();
      if (options.stderr) out.stderr = stderr;
      else stderr.resume();
    }
    return out;
  }

  async function exec(id: string, options: ExecOptions): Promise<StreamSession> {
    const handle = await createExec(id, {
      Cmd: options.cmd,
      AttachStdin: options.stdin,
      AttachStdout: options.stdout,
      AttachStderr: options.stderr,
      Tty: options.tty,
    });
    const stream = (await handle.start({ hijack: true, stdin: options.stdin, Tty: options.tty })) as Duplex;
    const ended = new Promise<void>((resolve) => {
      stream.once('close', resolve);
      stream.once('end', resolve);
      stream.once('error', () => resolve());
    });
    return session(
      stream,
      options,
      async (width, height) => {
        await handle.resize({ w: width, h: height }).catch(() => {});
      },
      async () => {
        await ended;
        // The stream closes as the process exits; its exit code is set right after.
        for (let i = 0; i < 50; i++) {
          const info = await handle.inspect();
          if (!info.Running) return info.ExitCode ?? -1;
          await new Promise((r) => setTimeout(r, 20));
        }
        return (await handle.inspect()).ExitCode ?? -1;
      },
    );
  }

  async function attach(id: string, options: Omit<ExecOptions, 'cmd'>): Promise<StreamSession> {
    const container = docker.getContainer(id);
    const stream = (await container.attach({
      stream: true,
      hijack: true,
      stdin: options.stdin,
      stdout: options.stdout,
      stderr: options.stderr,
    })) as Duplex;
    return session(
      stream,
      options,
      async (width, height) => {
        await container.resize({ w: width, h: height }).catch(() => {});
      },
      async () => unlessGone(async () => ((await container.wait()) as { StatusCode: number }).StatusCode, -1),
    );
  }

  async function logs(id: string, options: LogOptions): Promise<Readable> {
    const container = docker.getContainer(id);
    const info = await inspect(id);
    if (!info) throw new RuntimeError(`container ${id} not found`, 'NotFound');
    const query = {
      stdout: true,
      stderr: true,
      timestamps: options.timestamps,
      ...(options.tailLines !== undefined ? { tail: Math.max(0, options.tailLines) } : {}),
      ...(options.sinceSeconds ? { since: Math.floor(Date.now() / 1000) - options.sinceSeconds } : {}),
    };
    let source: Readable;
    if (options.follow) {
      source = (await container.logs({ ...query, follow: true })) as unknown as Readable;
    } else {
      const buf = (await container.logs({ ...query, follow: false })) as unknown as Buffer;
      const pass = new PassThrough();
      pass.end(buf);
      source = pass;
    }
    let out: Readable = info.Config?.Tty ? source : source.pipe(new MergeFrames());
    if (options.limitBytes !== undefined && options.limitBytes >= 0) {
      out = out.pipe(new ByteLimit(options.limitBytes, () => source.destroy()));
    }
    // A reader that goes away must not leave a following log connection open.
    out.once('close', () => source.destroy());
    return out;
  }

  async function stats(ids?: string[]): Promise<ContainerStats[]> {
    const targets = ids ?? (await listManaged()).filter((c) => c.State === 'running').map((c) => c.Id);
    const out = await Promise.all(
      targets.map((id) =>
        unlessGone(async () => {
          // one-shot: answer at once instead of waiting a second for a second sample.
          const s = (await docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false })) as unknown as DockerStatsLike;
          return toContainerStats(id, s, Date.now());
        }, undefined),
      ),
    );
    return out.filter((s): s is ContainerStats => s !== undefined);
  }

  async function* events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const types: Record<string, RuntimeEvent['type']> = { start: 'container-started', die: 'container-died', destroy: 'container-removed' };
    // From the second this was called, so a start between the call and the first next() is seen.
    let since = Math.floor(Date.now() / 1000);
    while (!signal.aborted) {
      let stream: Readable | undefined;
      try {
        stream = (await docker.getEvents({
          since,
          filters: { type: ['container'], event: Object.keys(types), label: managedFilter.label },
          abortSignal: signal,
        } as Dockerode.GetEventsOptions)) as unknown as Readable;
        const onAbort = (): void => void stream?.destroy();
        signal.addEventListener('abort', onAbort, { once: true });
        let rest = '';
        try {
          for await (const chunk of stream) {
            rest += (chunk as Buffer).toString('utf8');
            const lines = rest.split('\n');
            rest = lines.pop() ?? '';
            for (const line of lines) {
              if (!line.trim()) continue;
              const ev = JSON.parse(line) as { Action?: string; id?: string; time?: number; Actor?: { Attributes?: Record<string, string> } };
              since = ev.time ?? since;
              const type = ev.Action ? types[ev.Action] : undefined;
              if (!type || !ev.id) continue;
              const podUid = ev.Actor?.Attributes?.[LABEL_POD_UID];
              yield { type, containerId: ev.id, ...(podUid ? { podUid } : {}) };
            }
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
          stream.destroy();
        }
      } catch (err) {
        if (signal.aborted) return;
        log.warn({ err: dockerMessage(err) }, 'docker events stream failed; reconnecting');
      }
      // The connection dropped (dockerd restarted?): reconnect from the last event seen.
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  async function pullImage(image: string): Promise<string> {
    const registry = registryHost(image);
    if (!options.allowRemotePulls && !isLoopbackRegistry(registry)) {
      throw new RuntimeError(`pulling image ${image}: registry ${registry} is not on this machine and remote pulls are disabled (allowRemotePulls)`, 'PullFailed');
    }
    const { repo, tag } = splitImageRef(image);
    try {
      const stream = (await docker.createImage({ fromImage: repo, tag })) as unknown as Readable;
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
          const failed = err ?? output.find((o) => o.error);
          if (failed) reject(new Error(failed instanceof Error ? failed.message : failed.error));
          else resolve();
        });
      });
    } catch (err) {
      throw new RuntimeError(`pulling image ${image}: ${dockerMessage(err)}`, 'PullFailed');
    }
    const id = await imageId(image);
    if (!id) throw new RuntimeError(`pulling image ${image}: the pull finished but the image is not present`, 'PullFailed');
    return id;
  }

  const nsenter = (options.portForwardVia ?? 'auto') !== 'pod-ip' && process.getuid?.() === 0 ? which('nsenter') : undefined;

  async function portForward(sandboxId: string, port: number): Promise<Duplex> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RuntimeError(`invalid port ${port}`, 'ConnectFailed');
    const info = (await inspect(sandboxId)) as (InspectLike & { State?: { Pid?: number }; HostConfig?: { NetworkMode?: string } }) | undefined;
    if (!info) throw new RuntimeError(`sandbox ${sandboxId} not found`, 'NotFound');
    if (info.State?.Status !== 'running') throw new RuntimeError(`sandbox ${sandboxId.slice(0, 12)} is not running`, 'NotFound');
    const pid = info.State.Pid ?? 0;
    // The pid is only ours to enter when dockerd shares our pid namespace (a local daemon).
    const canEnter = nsenter !== undefined && pid > 0 && (() => {
      try {
        accessSync(`/proc/${pid}/ns/net`);
        return true;
      } catch {
        return false;
      }
    })();
    if (canEnter) return connectInNamespace(nsenter, pid, port, sandboxId);
    if (options.portForwardVia === 'nsenter') throw new RuntimeError('port forward: nsenter is not usable here (needs root, nsenter and a local dockerd)', 'Unsupported');
    // A hostNetwork pod's localhost is ours; otherwise its address on the bridge.
    const host = info.HostConfig?.NetworkMode === 'host' ? '127.0.0.1' : sandboxIp(info.NetworkSettings?.Networks, info.NetworkSettings?.IPAddress ?? '');
    if (!host) throw new RuntimeError(`sandbox ${sandboxId.slice(0, 12)} has no IP address`, 'ConnectFailed');
    return connectTcp(host, port);
  }

  return {
    type: 'docker',

    async version(): Promise<RuntimeVersion> {
      const v = await docker.version();
      return { runtimeName: 'docker', runtimeVersion: v.Version, apiVersion: v.ApiVersion, os: v.Os, kernelVersion: v.KernelVersion };
    },

    runPodSandbox,

    async stopPodSandbox(id) {
      // As the CRI says: containers still running in the sandbox are killed (the kubelet stops them
      // gracefully before), then the pause container goes.
      const running = (await containersOfSandbox(id)).filter((c) => c.State === 'running');
      await Promise.all(running.map((c) => stopContainer(c.Id, 0)));
      await stopContainer(id, 10);
    },

    async removePodSandbox(id) {
      // As the CRI says: containers still in the sandbox go with it.
      for (const c of await containersOfSandbox(id)) await removeContainer(c.Id);
      await removeContainer(id);
    },

    async listPodSandboxes() {
      return (await listManaged()).filter((c) => isSandboxLabels(c.Labels ?? {})).map(toSandboxStatus);
    },

    pullImage,
    imageId,
    createContainer,

    async startContainer(id) {
      try {
        await docker.getContainer(id).start();
      } catch (err) {
        if (statusOf(err) === 304) return; // already running
        throw new RuntimeError(`starting container ${id}: ${dockerMessage(err)}`, isNotFound(err) ? 'NotFound' : 'StartFailed');
      }
    },

    stopContainer,
    removeContainer,
    listContainers,

    async containerStatus(id) {
      const info = await inspect(id);
      return info ? toContainerStatus(info) : undefined;
    },

    execSync,
    exec,
    attach,
    logs,
    stats,
    events,
    portForward,
  };
}
