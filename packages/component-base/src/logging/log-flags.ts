import { defineFlags } from '../flags/flags.js';
import { LOG_LEVELS } from './create-logger.js';

/** `--log-level` (env `TSKUBE_LOG_LEVEL`, the variable `createLogger` also reads); spread into a daemon's spec. */
export const loggingFlags = defineFlags({
  'log-level': {
    type: 'string',
    default: 'info',
    choices: LOG_LEVELS,
    help: 'Minimum level of log lines written to stderr',
  },
});
