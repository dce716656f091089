/**
 * The whole of a daemon's bin, shared: `--help`, flags (every problem printed, exit code 2),
 * a JSON logger at `--log-level`, a shutdown signal, then `run(config, {signal, logger})`.
 * Returns the exit code; it never exits by itself — a forced exit (second signal, shutdown
 * taking longer than the grace period) goes through `forceExit`, which the bin provides.
 */
import type { Writable } from 'node:stream';
import { FlagError, parseFlags, wantsHelp, type FlagSpec, type FlagValues, type Problems } from '../flags/flags.js';
import { flagsHelp } from '../flags/flags-help.js';
import { createLogger, type CreateLoggerOptions, type Logger, type LogLevel } from '../logging/create-logger.js';
import { shutdownSignal, type SignalSource } from '../signals/shutdown-signal.js';

export interface DaemonMainOptions<S extends FlagSpec & { 'log-level': unknown }> {
  /** The bin's name, for help and error lines: `tskube-apiserver`. */
  bin: string;
  /** The logger's `component`. */
  component: string;
  flags: S;
  validate?: (config: FlagValues<S>) => Problems;
  run: (config: FlagValues<S>, options: { signal: AbortSignal; logger: Logger }) => Promise<void>;
  /** Called for a second signal or an overrun grace period; a bin passes `(code) => process.exit(code)`. */
  forceExit: (code: number) => void;
  /** How long shutdown may take after the first signal. Default 30 s. */
  gracePeriodMs?: number;
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  stdout?: Writable;
  stderr?: Writable;
  /** Where signals come from (tests pass an emitter). Default `process`. */
  signals?: SignalSource;
  /** Where log lines go. Default stderr. */
  logDestination?: CreateLoggerOptions['destination'];
}

export async function daemonMain<S extends FlagSpec & { 'log-level': unknown }>(options: DaemonMainOptions<S>): Promise<number> {
  const argv = options.argv ?? process.argv.slice(2);
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (wantsHelp(argv)) {
    stdout.write(flagsHelp(options.flags, { usage: `${options.bin} [flags]` }));
    return 0;
  }
  let config: FlagValues<S>;
  try {
    config = parseFlags(options.flags, argv, options.env ?? process.env, options.validate ? { validate: options.validate } : {});
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    for (const problem of err.problems) stderr.write(`${options.bin}: ${problem}\n`);
    return 2;
  }
  const logger = createLogger({
    component: options.component,
    level: config['log-level'] as LogLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const signal = shutdownSignal({
    logger,
    timeoutMs: options.gracePeriodMs ?? 30_000,
    onSecondSignal: () => options.forceExit(1),
    onTimeout: () => options.forceExit(1),
    ...(options.signals ? { source: options.signals } : {}),
  });
  try {
    await options.run(config, { signal, logger });
    return 0;
  } catch (err) {
    logger.fatal({ err }, `${options.component} failed`);
    return 1;
  }
}
