#!/usr/bin/env node
// tskubelet: parse flags, log JSON to stderr, run the node's pods until SIGTERM/SIGINT.
import { daemonMain } from '@tskube/component-base';
import { kubeletFlags, runKubelet, validateKubeletConfig } from './index.js';

process.exitCode = await daemonMain({
  bin: 'tskubelet',
  component: 'kubelet',
  flags: kubeletFlags,
  validate: validateKubeletConfig,
  run: runKubelet,
  forceExit: (code) => process.exit(code),
});
