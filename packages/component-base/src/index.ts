// Public API of @tskube/component-base: what every tskube daemon shares.

export { createLogger, silentLogger, isLogLevel, LOG_LEVELS, LOG_LEVEL_ENV, REDACT_PATHS } from './logging/create-logger.js';
export type { Logger, LogLevel, CreateLoggerOptions } from './logging/create-logger.js';
export { loggingFlags } from './logging/log-flags.js';

export { defineFlags, parseFlags, wantsHelp, envNameFor, flagEnv, FlagError } from './flags/flags.js';
export type {
  FlagSpec,
  FlagDef,
  FlagType,
  FlagValue,
  FlagValues,
  ParseFlagsOptions,
  Problems,
  StringFlag,
  BooleanFlag,
  IntFlag,
  DurationFlag,
  ListFlag,
} from './flags/flags.js';
export { flagsHelp } from './flags/flags-help.js';
export { parseDuration, formatDuration } from './flags/duration.js';

export { startComponentServer } from './server/component-server.js';
export type { ComponentServer, ComponentServerOptions } from './server/component-server.js';
export { healthHandler, pingCheck, runChecks } from './server/health.js';
export type { HealthCheck, HealthChecks, HealthHandlerOptions, NodeHandler } from './server/health.js';
export { createMetricsRegistry, Counter, Gauge, Histogram, Summary, Registry } from './server/metrics.js';
export type {
  MetricsRegistryOptions,
  CounterConfiguration,
  GaugeConfiguration,
  HistogramConfiguration,
  SummaryConfiguration,
} from './server/metrics.js';

export { shutdownSignal, runUntilAborted } from './signals/shutdown-signal.js';
export type { ShutdownSignalOptions, ShutdownSignalName, SignalSource, Cleanup } from './signals/shutdown-signal.js';

export { systemClock } from './clock/clock.js';
export type { Clock, TimerHandle } from './clock/clock.js';
export { FakeClock } from './clock/fake-clock.js';

export { daemonMain } from './main/daemon-main.js';
export type { DaemonMainOptions } from './main/daemon-main.js';
