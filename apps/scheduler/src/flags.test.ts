import { FlagError, parseFlags } from '@tskube/component-base';
import { describe, expect, it } from 'vitest';
import { schedulerFlags, validateSchedulerConfig } from './flags.js';

const parse = (argv: string[], env: Record<string, string> = {}) => parseFlags(schedulerFlags, argv, env, { validate: validateSchedulerConfig });

describe('schedulerFlags', () => {
  it('has upstream kube-scheduler defaults', () => {
    expect(parse([])).toMatchObject({
      master: 'http://127.0.0.1:8080',
      'leader-elect': true,
      'leader-elect-lease-duration': 15_000,
      'leader-elect-renew-deadline': 10_000,
      'leader-elect-retry-period': 2_000,
      'leader-elect-resource-lock': 'leases',
      'leader-elect-resource-namespace': 'kube-system',
      'leader-elect-resource-name': 'kube-scheduler',
      'bind-address': '127.0.0.1',
      port: 10259,
      'scheduler-name': 'default-scheduler',
      'pod-initial-backoff': 1_000,
      'pod-max-backoff': 10_000,
      'log-level': 'info',
    });
  });

  it.each([
    [['--leader-elect=false', '--leader-elect-lease-duration=30s', '--pod-max-backoff=1m', '--master=http://127.0.0.1:18080']],
    [['--leader_elect=false', '--leader_elect_lease_duration=30s', '--pod_max_backoff=1m', '--master', 'http://127.0.0.1:18080']],
  ])('reads kebab and seed underscore spellings alike: %j', (argv) => {
    expect(parse(argv)).toMatchObject({
      'leader-elect': false,
      'leader-elect-lease-duration': 30_000,
      'pod-max-backoff': 60_000,
      master: 'http://127.0.0.1:18080',
    });
  });

  it('reads the environment when a flag is not given', () => {
    expect(parse([], { TSKUBE_SCHEDULER_NAME: 'my-scheduler' })['scheduler-name']).toBe('my-scheduler');
  });

  it.each([
    [['--port=70000'], 'not a port'],
    [['--percentage-of-nodes-to-score=101'], 'within 0-100'],
    [['--leader-elect-renew-deadline=20s'], 'greater than --leader-elect-renew-deadline'],
    [['--leader-elect-retry-period=10s'], 'greater than --leader-elect-retry-period'],
    [['--pod-initial-backoff=20s'], 'at most --pod-max-backoff'],
    [['--scheduler-name='], 'must not be empty'],
    [['--leader-elect-lease-duration=soon'], 'expected a duration'],
    [['--no-such-flag'], 'unknown flag --no-such-flag'],
  ])('%j is refused: %s', (argv, problem) => {
    expect(() => parse(argv)).toThrow(FlagError);
    expect(() => parse(argv)).toThrow(problem);
  });

  it('does not check lease timings when leader election is off', () => {
    expect(parse(['--leader-elect=false', '--leader-elect-renew-deadline=20s'])['leader-elect']).toBe(false);
  });
});
