import { describe, expect, it } from 'vitest';
import { parseFlags } from '@tskube/component-base';
import { kubeletFlags, validateKubeletConfig } from './flags.js';

describe('tskubelet flags', () => {
  it('has the documented defaults', () => {
    const c = parseFlags(kubeletFlags, [], {});
    expect(c).toMatchObject({ port: 10250, 'healthz-port': 10248, 'max-pods': 110, runtime: 'docker', 'node-ip': '127.0.0.1', 'anonymous-auth': false, 'node-status-update-frequency': 10_000, 'node-lease-duration-seconds': 40 });
  });

  it.each([
    [['--tls-cert-file=a'], 'go together'],
    [['--kubelet-insecure-http', '--client-ca-file=ca'], 'needs TLS'],
    [['--max-pods=0'], 'at least 1'],
    [['--node-lease-duration-seconds=0'], 'at least 1'],
  ])('%j is refused', (argv, problem) => {
    expect([validateKubeletConfig(parseFlags(kubeletFlags, argv, {}))].flat().join(';')).toContain(problem);
  });
});
