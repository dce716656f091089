import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logging/create-logger.js';
import type { SignalSource } from './shutdown-signal.js';
import { runUntilAborted, shutdownSignal } from './shutdown-signal.js';

const logger = silentLogger();

function fakeProcess(): EventEmitter & SignalSource {
  return new EventEmitter() as EventEmitter & SignalSource;
}

describe('shutdownSignal', () => {
  const savedExitCode = process.exitCode;
  afterEach(() => {
    process.exitCode = savedExitCode;
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('aborts on the first %s', (name) => {
    const source = fakeProcess();
    const signal = shutdownSignal({ logger, source });
    expect(signal.aborted).toBe(false);
    source.emit(name, name);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toContain(name);
  });

  it('hands a second signal to onSecondSignal, then stops listening', () => {
    const source = fakeProcess();
    const onSecondSignal = vi.fn();
    shutdownSignal({ logger, source, onSecondSignal });
    source.emit('SIGTERM', 'SIGTERM');
    expect(onSecondSignal).not.toHaveBeenCalled();
    source.emit('SIGINT', 'SIGINT');
    expect(onSecondSignal).toHaveBeenCalledWith('SIGINT');
    expect(process.exitCode).toBe(1);
    expect(source.listenerCount('SIGTERM') + source.listenerCount('SIGINT')).toBe(0);
  });

  it('calls onTimeout when the grace period after the first signal runs out', () => {
    vi.useFakeTimers();
    try {
      const source = fakeProcess();
      const onTimeout = vi.fn();
      shutdownSignal({ logger, source, timeoutMs: 30_000, onTimeout });
      vi.advanceTimersByTime(60_000);
      expect(onTimeout).not.toHaveBeenCalled(); // the grace period starts at the signal
      source.emit('SIGTERM', 'SIGTERM');
      vi.advanceTimersByTime(29_999);
      expect(onTimeout).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(onTimeout).toHaveBeenCalledOnce();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('runUntilAborted', () => {
  it('waits for the abort, then runs cleanups in order', async () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const done = runUntilAborted(controller.signal, [
      () => void ran.push('server'),
      async () => {
        await Promise.resolve();
        ran.push('storage');
      },
    ]);
    await Promise.resolve();
    expect(ran).toEqual([]);
    controller.abort();
    await done;
    expect(ran).toEqual(['server', 'storage']);
  });

  it('runs at once when the signal is already aborted', async () => {
    const ran: string[] = [];
    await runUntilAborted(AbortSignal.abort(), [() => void ran.push('x')]);
    expect(ran).toEqual(['x']);
  });

  it('runs every cleanup even when some fail, then reports the failures', async () => {
    const ran: string[] = [];
    const fail = (msg: string) => () => {
      throw new Error(msg);
    };
    const controller = new AbortController();
    controller.abort();
    await expect(runUntilAborted(controller.signal, [fail('a'), () => void ran.push('b')])).rejects.toThrow('a');
    expect(ran).toEqual(['b']);
    await expect(runUntilAborted(controller.signal, [fail('a'), fail('c')])).rejects.toBeInstanceOf(AggregateError);
  });
});
