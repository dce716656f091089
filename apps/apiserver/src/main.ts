#!/usr/bin/env node
// tskube-apiserver: parse flags, log JSON to stderr, serve until SIGTERM/SIGINT.
import { daemonMain } from '@tskube/component-base';
import { apiServerFlags, runApiServer, validateApiServerConfig } from './index.js';

process.exitCode = await daemonMain({
  bin: 'tskube-apiserver',
  component: 'apiserver',
  flags: apiServerFlags,
  validate: validateApiServerConfig,
  run: runApiServer,
  forceExit: (code) => process.exit(code),
});
