/**
 * exec and attach over WebSocket in Kubernetes' channel protocol (`v5.channel.k8s.io`, and
 * v4): binary frames whose first byte is the channel — 0 stdin, 1 stdout, 2 stderr, 3 status
 * (a Status object at the end), 4 resize (`{"Width":80,"Height":24}`); v5 adds the close signal
 * `[255, 0]` that half-closes stdin.
 */
import type { Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { StreamSession } from '../runtime/types.js';

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
export const STREAM_PROTOCOLS = [V5, V4] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** The first protocol of ours the client offered, in our order of preference. */
export function pickProtocol(offered: Iterable<string>): string | false {
  const set = new Set(offered);
  return STREAM_PROTOCOLS.find((p) => set.has(p)) ?? false;
}

export function statusFor(exitCode: number, command?: readonly string[]): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  const what = command ? `error executing command [${command.join(' ')}], exit code ${exitCode}` : `exit code ${exitCode}`;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${what}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function failureStatus(message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

export const frame = (channel: number, data: Buffer | string): Buffer => Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]);

const ended = (s: Readable | undefined): Promise<void> =>
  !s || s.readableEnded || s.destroyed ? Promise.resolve() : new Promise((resolve) => {
    s.once('end', resolve);
    s.once('close', resolve);
    s.once('error', () => resolve());
  });

/** How long the final status waits for output still in flight (a stream might never end). */
export const OUTPUT_DRAIN_MS = 1000;

/**
 * Waits for the process to end and its output to drain; the Status to report for it (what the
 * client turns into its exit code). Shared by the WebSocket and SPDY transports.
 */
export async function finalStatus(session: StreamSession, command?: readonly string[]): Promise<Record<string, unknown>> {
  let code: number;
  try {
    code = await session.wait();
  } catch (err) {
    return failureStatus(err instanceof Error ? err.message : String(err));
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all([ended(session.stdout), ended(session.stderr)]), new Promise((r) => (timer = setTimeout(r, OUTPUT_DRAIN_MS)))]);
  clearTimeout(timer);
  return statusFor(code, command);
}

/** A resize message (`{"Width":80,"Height":24}`) applied to the session; a malformed one is ignored. */
export function applyResize(session: StreamSession, message: Buffer | string): void {
  let size: { Width?: unknown; Height?: unknown };
  try {
    size = JSON.parse(String(message)) as typeof size;
  } catch {
    return;
  }
  const dim = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff ? v : fallback);
  void session.resize(dim(size.Width, 80), dim(size.Height, 24)).catch(() => undefined);
}

/** Wires a runtime session to the socket; sends the final status and closes when the process ends. */
export async function serveSession(ws: WebSocket, session: StreamSession, command?: readonly string[]): Promise<void> {
  const v5 = ws.protocol === V5;
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === ws.OPEN) ws.send(frame(channel, data));
  };
  session.stdout?.on('data', (chunk: Buffer) => send(CHANNEL.stdout, chunk));
  session.stderr?.on('data', (chunk: Buffer) => send(CHANNEL.stderr, chunk));
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const data = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    if (data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case CHANNEL.stdin:
        if (payload.length > 0) session.stdin?.write(payload);
        break;
      case CHANNEL.resize:
        applyResize(session, payload);
        break;
      case CHANNEL.close:
        if (v5 && payload[0] === CHANNEL.stdin) session.stdin?.end();
        break;
    }
  });
  ws.on('close', () => session.stdin?.end());
  send(CHANNEL.status, JSON.stringify(await finalStatus(session, command)));
  ws.close(1000);
}
