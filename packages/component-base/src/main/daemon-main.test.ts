import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defineFlags } from '../flags/flags.js';
import { loggingFlags } from '../logging/log-flags.js';
import { daemonMain } from './daemon-main.js';

const flags = defineFlags({ port: { type: 'int', default: 80, help: 'port to serve on' }, ...loggingFlags });

function harness(argv: string[], run: Parameters<typeof daemonMain<typeof flags>>[0]['run'] = async () => {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const logs = new PassThrough();
  const signals = new EventEmitter();
  const forced: number[] = [];
  const text = (s: PassThrough) => String(s.read() ?? '');
  const done = daemonMain({
    bin: 'tskube-test',
    component: 'test',
    flags,
    validate: (c) => (c.port === 81 ? '--port: 81 is reserved' : undefined),
    run,
    forceExit: (code) => forced.push(code),
    argv,
    env: {},
    stdout,
    stderr,
    logDestination: logs,
    signals: signals as never,
  });
  return { done, signals, forced, out: () => text(stdout), err: () => text(stderr), logs: () => text(logs) };
}

describe('daemonMain', () => {
  it('prints help and exits 0 without running', async () => {
    let ran = false;
    const h = harness(['--help'], async () => void (ran = true));
    expect(await h.done).toBe(0);
    const out = h.out();
    expect(out).toContain('tskube-test [flags]');
    expect(out).toContain('--port');
    expect(ran).toBe(false);
  });

  it('prints every flag problem and exits 2', async () => {
    const h = harness(['--nope', '--port=x']);
    expect(await h.done).toBe(2);
    const err = h.err();
    expect(err).toMatch(/^tskube-test: .*--nope/m);
    expect(err).toMatch(/^tskube-test: .*--port/m);
  });

  it('runs with the parsed config until the first signal, then exits 0', async () => {
    const h = harness(['--port=8080'], async (config, { signal }) => {
      expect(config.port).toBe(8080);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    });
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(await h.done).toBe(0);
    expect(h.forced).toEqual([]);
  });

  it('forces an exit on a second signal while shutdown hangs', async () => {
    let release!: () => void;
    const h = harness([], (_config, { signal }) => new Promise<void>((resolve) => {
      release = resolve;
      signal.addEventListener('abort', () => {}, { once: true });
    }));
    h.signals.emit('SIGTERM', 'SIGTERM');
    h.signals.emit('SIGINT', 'SIGINT');
    expect(h.forced).toEqual([1]);
    release();
    expect(await h.done).toBe(0);
  });

  it('logs a failing run as fatal and exits 1', async () => {
    const h = harness([], async () => {
      throw new Error('etcd unreachable');
    });
    expect(await h.done).toBe(1);
    const line = JSON.parse(h.logs().trim().split('\n').pop()!);
    expect(line).toMatchObject({ level: 'fatal', component: 'test', msg: 'test failed' });
    expect(line.err.message).toBe('etcd unreachable');
  });
});
