#!/usr/bin/env node
// tskubelet: parse flags, log JSON to stderr, run the node's pods until SIGTERM/SIGINT.
import { createLogger, FlagError, flagsHelp, parseFlags, shutdownSignal, wantsHelp } from '@tskube/component-base';
import { kubeletFlags, runKubelet, validateKubeletConfig } from './index.js';

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(flagsHelp(kubeletFlags, { usage: 'tskubelet [flags]' }));
  process.exit(0);
}

let config;
try {
  config = parseFlags(kubeletFlags, argv, process.env, { validate: validateKubeletConfig });
} catch (err) {
  if (!(err instanceof FlagError)) throw err;
  for (const problem of err.problems) process.stderr.write(`tskubelet: ${problem}\n`);
  process.exit(2);
}

const logger = createLogger({ component: 'kubelet', level: config['log-level'] });
const signal = shutdownSignal({ logger, timeoutMs: 30_000, onSecondSignal: () => process.exit(1), onTimeout: () => process.exit(1) });
try {
  await runKubelet(config, { signal, logger });
} catch (err) {
  logger.fatal({ err }, 'kubelet failed');
  process.exitCode = 1;
}
