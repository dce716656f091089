#!/usr/bin/env node
// tskube-scheduler: parse flags, log JSON to stderr, schedule until SIGTERM/SIGINT.
import { createLogger, FlagError, flagsHelp, parseFlags, shutdownSignal, wantsHelp } from '@tskube/component-base';
import { runScheduler, schedulerFlags, validateSchedulerConfig } from './index.js';

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(flagsHelp(schedulerFlags, { usage: 'tskube-scheduler [flags]' }));
  process.exit(0);
}

let config;
try {
  config = parseFlags(schedulerFlags, argv, process.env, { validate: validateSchedulerConfig });
} catch (err) {
  if (!(err instanceof FlagError)) throw err;
  for (const problem of err.problems) process.stderr.write(`tskube-scheduler: ${problem}\n`);
  process.exit(2);
}

const logger = createLogger({ component: 'scheduler', level: config['log-level'] });
const signal = shutdownSignal({ logger, timeoutMs: 30_000, onSecondSignal: () => process.exit(1), onTimeout: () => process.exit(1) });
try {
  await runScheduler(config, { signal, logger });
} catch (err) {
  logger.fatal({ err }, 'scheduler failed');
  process.exitCode = 1;
}
