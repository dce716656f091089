#!/usr/bin/env node
// tskube-scheduler: parse flags, log JSON to stderr, schedule until SIGTERM/SIGINT.
import { daemonMain } from '@tskube/component-base';
import { runScheduler, schedulerFlags, validateSchedulerConfig } from './index.js';

process.exitCode = await daemonMain({
  bin: 'tskube-scheduler',
  component: 'scheduler',
  flags: schedulerFlags,
  validate: validateSchedulerConfig,
  run: runScheduler,
  forceExit: (code) => process.exit(code),
});
