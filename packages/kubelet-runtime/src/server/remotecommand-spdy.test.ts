import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@tskube/component-base';
import type { ExecOptions, StreamSession } from '../runtime/types.js';
import {
  expectedStreamTypes,
  JsonObjectSplitter,
  negotiateSpdyProtocol,
  serveRemoteCommandSpdy,
  statusMessage,
  V2,
  V3,
  type StreamType,
} from './remotecommand-spdy.js';
import { createKubeletServer, type KubeletServer } from './server.js';
import { RstStatus, SpdySession, type SpdyStream } from './spdy/index.js';
import { statusFor, V4 } from './streaming.js';

/** A process the fake runtime runs: it gets its pipes and returns its exit code. */
type Program = (io: { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough; resizes: [number, number][] }) => Promise<number>;

const drain = (s: PassThrough) =>
  new Promise<string>((resolve) => {
    let text = '';
    s.on('data', (d) => (text += String(d)));
    s.on('end', () => resolve(text));
  });

const programs: Record<string, Program> = {
  // sh -c 'echo out; echo err >&2; exit 3'
  fail3: async ({ stdout, stderr }) => {
    stdout.end('out\n');
    stderr.end('err\n');
    return 3;
  },
  ok: async ({ stdout }) => {
    stdout.end('ok\n');
    return 0;
  },
  cat: async ({ stdin, stdout, stderr }) => {
    stdout.end(await drain(stdin));
    stderr.end();
    return 0;
  },
  // Ends after two resizes, printing them.
  resized: async ({ stdout, resizes }) => {
    while (resizes.length < 2) await new Promise((r) => setTimeout(r, 5));
    stdout.end(JSON.stringify(resizes));
    return 0;
  },
};

const execCalls: ExecOptions[] = [];

function spawnFake(program: Program, options: Omit<ExecOptions, 'cmd'>): StreamSession {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), resizes: [] as [number, number][] };
  const exited = program(io);
  return {
    ...(options.stdin ? { stdin: io.stdin } : {}),
    ...(options.stdout ? { stdout: io.stdout } : {}),
    ...(options.stderr ? { stderr: io.stderr } : {}),
    resize: async (w, h) => void io.resizes.push([w, h]),
    wait: () => exited,
  };
}

const pod = { metadata: { name: 'web', namespace: 'ns', uid: 'uid-1' }, spec: { containers: [{ name: 'c' }] } };
const kubelet = {
  findPod: (ns: string, name: string) => (ns === 'ns' && name === 'web' ? pod : undefined),
  findContainer: async (_ns: string, _pod: string, container: string) => (container === 'c' ? { pod, container: { id: 'cid', state: 'running' } } : undefined),
  runtime: {
    exec: async (_id: string, options: ExecOptions) => {
      execCalls.push(options);
      const program = programs[options.cmd[0] ?? ''];
      if (!program) throw new Error(`no such program ${options.cmd[0]}`);
      return spawnFake(program, options);
    },
    attach: async (_id: string, options: Omit<ExecOptions, 'cmd'>) => spawnFake(programs['cat']!, options),
  },
} as unknown as Parameters<typeof createKubeletServer>[0]['kubelet'];

let server: KubeletServer;
let base: string;

beforeAll(async () => {
  server = createKubeletServer({ kubelet, auth: { anonymous: true }, logger: silentLogger() });
  base = `127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
});

afterAll(() => server.close());

const PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** kubectl's upgrade: a POST without a body, `Upgrade: SPDY/3.1`, the protocol versions as repeated headers. */
function spdyUpgrade(path: string, protocols = PROTOCOLS): Promise<{ session: SpdySession; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const headers: [string, string][] = [
      ['Connection', 'Upgrade'],
      ['Upgrade', 'SPDY/3.1'],
      // Raw headers get no implicit length: without one Node would send a chunked (empty) body.
      ['Content-Length', '0'],
      ...protocols.map((p): [string, string] => ['X-Stream-Protocol-Version', p]),
    ];
    const req = http.request(`http://${base}${path}`, { method: 'POST', headers: headers.flat() });
    req.on('upgrade', (res, socket) => resolve({ session: new SpdySession(socket, { role: 'client' }), headers: res.headers }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => reject(new Error(`${res.statusCode}: ${body}`)));
    });
    req.on('error', reject);
    req.end();
  });
}

const readAll = (s: SpdyStream | undefined) =>
  new Promise<string>((resolve) => {
    if (!s) return resolve('');
    let out = '';
    s.on('data', (d) => (out += String(d)));
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
  });

/** Opens the streams as client-go does (error first), feeds stdin, reads everything, then closes. */
async function run(session: SpdySession, types: StreamType[], input?: { stdin?: string; resizes?: string[] }) {
  const streams = new Map(types.map((t) => [t, session.openStream({ streamtype: t })]));
  const reads = Promise.all([readAll(streams.get('error')), readAll(streams.get('stdout')), readAll(streams.get('stderr'))]);
  for (const r of input?.resizes ?? []) streams.get('resize')?.write(r);
  streams.get('stdin')?.end(input?.stdin ?? '');
  for (const t of ['error', 'stdout', 'stderr', 'resize'] as const) streams.get(t)?.end();
  const [error, stdout, stderr] = await reads;
  await session.close();
  return { error, stdout, stderr };
}

const path = (kind: string, query: string) => `/${kind}/ns/web/c?${query}`;

describe('exec and attach over SPDY through the kubelet server', () => {
  it('negotiates v4 and reports output, errors and a non-zero exit code as a v4 Status', async () => {
    const { session, headers } = await spdyUpgrade(path('exec', 'command=fail3&output=1&error=1'));
    expect(headers).toMatchObject({ connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': V4 });
    const r = await run(session, ['error', 'stdout', 'stderr']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    const status = JSON.parse(r.error) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(status['message']).toContain('fail3');
  });

  it('pipes stdin to the command, closes it on the client FIN, and reports success', async () => {
    const { session } = await spdyUpgrade(path('exec', 'command=cat&input=1&output=1&error=1'));
    const r = await run(session, ['error', 'stdin', 'stdout', 'stderr'], { stdin: 'hello through stdin\n' });
    expect(r.stdout).toBe('hello through stdin\n');
    expect(JSON.parse(r.error)).toEqual({ metadata: {}, status: 'Success' });
  });

  it('attaches with stdin and output', async () => {
    const { session } = await spdyUpgrade(path('attach', 'input=1&output=1&error=1'));
    const r = await run(session, ['error', 'stdin', 'stdout', 'stderr'], { stdin: 'to the container' });
    expect(r.stdout).toBe('to the container');
    expect(JSON.parse(r.error)).toEqual({ metadata: {}, status: 'Success' });
  });

  it('applies resize messages split across writes and merges stderr into a TTY', async () => {
    execCalls.length = 0;
    const { session } = await spdyUpgrade(path('exec', 'command=resized&output=1&error=1&tty=1'));
    const r = await run(session, ['error', 'stdout', 'resize'], { resizes: ['{"Width":100,"Hei', 'ght":30}\n{"Width":120,"Height":40}\n'] });
    expect(JSON.parse(r.stdout)).toEqual([
      [100, 30],
      [120, 40],
    ]);
    expect(execCalls[0]).toMatchObject({ tty: true, stdout: true, stderr: false });
  });

  it.each([
    [V3, 'fail3', /^command terminated with non-zero exit code: .*exit code 3$/],
    [V3, 'ok', /^$/],
    [V2, 'fail3', /^command terminated with non-zero exit code: .*exit code 3$/],
  ])('speaks %s (status as text) when the client offers it first: %s', async (protocol, command, error) => {
    const { session, headers } = await spdyUpgrade(path('exec', `command=${command}&output=1`), [protocol, 'channel.k8s.io']);
    expect(headers['x-stream-protocol-version']).toBe(protocol);
    const r = await run(session, ['error', 'stdout']);
    expect(r.error).toMatch(error);
  });

  it('reports a command that cannot start on the error stream', async () => {
    const { session } = await spdyUpgrade(path('exec', 'command=nope&output=1'));
    const r = await run(session, ['error', 'stdout']);
    expect(JSON.parse(r.error)).toMatchObject({ status: 'Failure', reason: 'InternalError', message: 'no such program nope' });
  });

  it.each([
    ['only v1', ['channel.k8s.io'], /^403: unable to upgrade: unable to negotiate protocol: client supports \["channel.k8s.io"\]/],
    ['no protocol', [], /^403: unable to upgrade: unable to negotiate protocol/],
  ])('refuses a client offering %s', async (_what, protocols, message) => {
    await expect(spdyUpgrade(path('exec', 'command=cat&output=1'), protocols)).rejects.toThrow(message);
  });

  it.each([
    ['an exec without a command', path('exec', 'output=1'), /^400: you must specify at least 1 command/],
    ['an unknown container', '/exec/ns/web/x?command=cat', /^404: container "x" not found/],
  ])('refuses %s before upgrading', async (_what, p, message) => {
    await expect(spdyUpgrade(p)).rejects.toThrow(message);
  });

  it('refuses a plain POST, naming both transports', async () => {
    const res = await fetch(`http://${base}${path('exec', 'command=cat')}`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/WebSocket .*SPDY\/3\.1/);
  });

  it('resets an unknown or repeated stream type', async () => {
    const { session } = await spdyUpgrade(path('exec', 'command=cat&input=1&output=1'));
    const bogus = session.openStream({ streamtype: 'video' });
    const error = session.openStream({ streamtype: 'error' });
    const again = session.openStream({ streamtype: 'error' });
    await Promise.all([bogus, again].map((s) => new Promise((r) => s.once('close', r))));
    expect([bogus.resetStatus, again.resetStatus]).toEqual([RstStatus.protocolError, RstStatus.protocolError]);
    error.destroy();
    await session.close();
  });
});

describe('serveRemoteCommandSpdy', () => {
  it('gives up when the client does not open the streams it asked for', async () => {
    const [serverSide, clientSide] = await socketPair();
    const server = new SpdySession(serverSide);
    const client = new SpdySession(clientSide, { role: 'client' });
    let started = false;
    const served = serveRemoteCommandSpdy(server, {
      protocol: V4,
      streams: { stdin: true, stdout: true, stderr: false, tty: false },
      start: async () => {
        started = true;
        return spawnFake(programs['cat']!, { stdin: true, stdout: true, stderr: false, tty: false });
      },
      logger: silentLogger(),
      streamCreationTimeoutMs: 50,
    });
    const error = client.openStream({ streamtype: 'error' });
    await new Promise((r) => error.once('close', r));
    await served;
    expect(started).toBe(false);
    expect(error.resetStatus).toBe(RstStatus.cancel);
    client.destroy();
  });
});

/** Two connected loopback sockets. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const listener = net.createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
  const client = net.connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const serverSide = await accepted;
  listener.close();
  return [serverSide, client];
}

describe('negotiateSpdyProtocol', () => {
  it.each([
    [['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io'], V4],
    [['v3.channel.k8s.io', 'v4.channel.k8s.io'], V3],
    [['v2.channel.k8s.io', 'channel.k8s.io'], V2],
    [['channel.k8s.io'], undefined],
    [[], undefined],
  ])('%j → %s', (offered, chosen) => {
    expect(negotiateSpdyProtocol(offered)).toBe(chosen);
  });
});

describe('expectedStreamTypes', () => {
  const flags = (stdin: boolean, stdout: boolean, stderr: boolean, tty: boolean) => ({ stdin, stdout, stderr, tty });
  it.each([
    [V4, flags(false, true, true, false), ['error', 'stdout', 'stderr']],
    [V4, flags(true, true, true, false), ['error', 'stdin', 'stdout', 'stderr']],
    [V4, flags(true, true, true, true), ['error', 'stdin', 'stdout', 'resize']],
    [V3, flags(false, true, false, true), ['error', 'stdout', 'resize']],
    [V2, flags(false, true, false, true), ['error', 'stdout']],
  ])('%s %j → %j', (protocol, streams, types) => {
    expect(expectedStreamTypes(protocol, streams)).toEqual(types);
  });
});

describe('statusMessage', () => {
  it.each([
    [V4, 0, '{"metadata":{},"status":"Success"}'],
    [V3, 0, ''],
    [V2, 2, 'command terminated with non-zero exit code: error executing command [x], exit code 2'],
  ])('%s, exit %d → %j', (protocol, code, text) => {
    expect(statusMessage(protocol, statusFor(code, ['x']))).toBe(text);
  });
});

describe('JsonObjectSplitter', () => {
  it.each([
    ['one object per push', ['{"a":1}\n', '{"b":2}\n'], ['{"a":1}', '{"b":2}']],
    ['objects split anywhere', ['{"a', '":1}{"b":', '2}'], ['{"a":1}', '{"b":2}']],
    ['braces inside strings', ['{"s":"}{\\"}"}'], ['{"s":"}{\\"}"}']],
    ['nested objects', ['{"o":{"p":1}}x{"q":2'], ['{"o":{"p":1}}']],
  ])('%s', (_what, chunks, objects) => {
    const splitter = new JsonObjectSplitter();
    expect(chunks.flatMap((c) => splitter.push(c))).toEqual(objects);
  });
});
