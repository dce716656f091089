// The only pino import in the repo: every other package takes a `Logger` through its deps.
import { hostname } from 'node:os';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export const LOG_LEVEL_ENV = 'TSKUBE_LOG_LEVEL';

/** Paths whose values never reach the log (pino `redact`). */
export const REDACT_PATHS = ['*.token', '*.password', 'req.headers.authorization'];

export interface CreateLoggerOptions {
  /** Daemon name, bound as `component` on every line (e.g. `kube-scheduler`). */
  component: string;
  /** Defaults to `$TSKUBE_LOG_LEVEL`, then `info`. */
  level?: string;
  /** Where JSON lines go; defaults to stderr, as Kubernetes components log. */
  destination?: DestinationStream;
  /** Environment to read `TSKUBE_LOG_LEVEL` from; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Root logger for a daemon: one JSON object per line, `msg` key, ISO `time`, level as its name.
 * Units below take `logger.child({controller: ...})`, never a new root.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const fromEnv = (options.env ?? process.env)[LOG_LEVEL_ENV];
  const level = options.level ?? (fromEnv || 'info');
  if (!isLogLevel(level)) {
    const source = options.level !== undefined ? 'level' : LOG_LEVEL_ENV;
    throw new Error(`invalid log level "${level}" (from ${source}): expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return pino(
    {
      level,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid, hostname: hostname(), component: options.component },
      formatters: { level: (label) => ({ level: label }) },
      redact: REDACT_PATHS,
    },
    // Synchronous, so the last lines before a crash are not lost in a buffer.
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that drops everything, for tests and embedders that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
