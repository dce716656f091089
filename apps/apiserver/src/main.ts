#!/usr/bin/env node
// tskube-apiserver: parse flags, log JSON to stderr, serve until SIGTERM/SIGINT.
import { createLogger, FlagError, flagsHelp, parseFlags, shutdownSignal, wantsHelp } from '@tskube/component-base';
import { apiServerFlags, runApiServer, validateApiServerConfig } from './index.js';

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(flagsHelp(apiServerFlags, { usage: 'tskube-apiserver [flags]' }));
  process.exit(0);
}

let config;
try {
  config = parseFlags(apiServerFlags, argv, process.env, { validate: validateApiServerConfig });
} catch (err) {
  if (!(err instanceof FlagError)) throw err;
  for (const problem of err.problems) process.stderr.write(`tskube-apiserver: ${problem}\n`);
  process.exit(2);
}

const logger = createLogger({ component: 'apiserver', level: config['log-level'] });
const signal = shutdownSignal({ logger, timeoutMs: 30_000, onSecondSignal: () => process.exit(1), onTimeout: () => process.exit(1) });
try {
  await runApiServer(config, { signal, logger });
} catch (err) {
  logger.fatal({ err }, 'apiserver failed');
  process.exitCode = 1;
}
