import type { Logger } from '../logging/create-logger.js';

export type ShutdownSignalName = 'SIGTERM' | 'SIGINT';

/** The part of `process` this module needs, so tests can pass an EventEmitter. */
export interface SignalSource {
  on(event: ShutdownSignalName, listener: (signal: ShutdownSignalName) => void): unknown;
  off(event: ShutdownSignalName, listener: (signal: ShutdownSignalName) => void): unknown;
}

export interface ShutdownSignalOptions {
  logger: Logger;
  /**
   * Grace period: if the process is still running this long after the first signal, `onTimeout`
   * is called (the timer is unref'd, so it never keeps the process alive by itself).
   */
  timeoutMs?: number;
  /** Called on a second signal; the app decides whether to exit. */
  onSecondSignal?: (signal: ShutdownSignalName) => void;
  /** Called when `timeoutMs` passes after the first signal. */
  onTimeout?: () => void;
  /** Defaults to `process`. */
  source?: SignalSource;
}

/**
 * An AbortSignal aborted on the first SIGTERM or SIGINT, for `run(config, {signal, logger})`.
 * A second signal is logged, sets `process.exitCode = 1` and calls `onSecondSignal`; after it the
 * listeners are removed, so a third signal gets Node's default action and ends a stuck process.
 * Library code never exits on its own.
 */
export function shutdownSignal(options: ShutdownSignalOptions): AbortSignal {
  const { logger, source = process } = options;
  const controller = new AbortController();
  const signals: ShutdownSignalName[] = ['SIGTERM', 'SIGINT'];

  const onSignal = (signal: ShutdownSignalName): void => {
    if (!controller.signal.aborted) {
      logger.info({ signal }, 'shutting down');
      controller.abort(new Error(`received ${signal}`));
      if (options.timeoutMs !== undefined) {
        const timer = setTimeout(() => {
          logger.error({ timeoutMs: options.timeoutMs }, 'shutdown did not finish within its grace period');
          options.onTimeout?.();
        }, options.timeoutMs);
        timer.unref();
      }
      return;
    }
    logger.warn({ signal }, 'second signal received while shutting down; another one terminates the process');
    process.exitCode = 1;
    for (const s of signals) source.off(s, onSignal);
    options.onSecondSignal?.(signal);
  };

  for (const s of signals) source.on(s, onSignal);
  return controller.signal;
}

export type Cleanup = () => Promise<void> | void;

/**
 * Resolves once `signal` aborts and every cleanup has run, in the order given (e.g. stop
 * serving, then drain, then close storage). Every cleanup runs even when an earlier one
 * fails; failures are then rethrown (several as an AggregateError).
 */
export async function runUntilAborted(signal: AbortSignal, cleanups: readonly Cleanup[] = []): Promise<void> {
  if (!signal.aborted) {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  const errors: unknown[] = [];
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanups failed`);
}
