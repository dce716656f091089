import { describe, expect, expectTypeOf, it } from 'vitest';
import { FlagError, defineFlags, envNameFor, parseFlags, wantsHelp } from './flags.js';
import { flagsHelp } from './flags-help.js';
import type { FlagSpec } from './flags.js';

const spec = defineFlags({
  'etcd-servers': { type: 'list', help: 'etcd servers (scheme://host:port), comma separated' },
  'bind-address': { type: 'string', default: '0.0.0.0', help: 'address to serve on' },
  'insecure-port': {
    type: 'int',
    default: 8080,
    help: 'plain HTTP port, 0 = off',
    validate: (port) => (port < 0 || port > 65535 ? 'must be between 0 and 65535' : undefined),
  },
  'leader-elect': { type: 'boolean', default: true, help: 'run leader election' },
  verbose: { type: 'boolean', help: 'log more' },
  'sync-period': { type: 'duration', default: '1m', help: 'resync period' },
  storage: { type: 'string', choices: ['etcd', 'memory'], default: 'etcd', help: 'storage backend' },
  kubeconfig: { type: 'string', env: 'KUBECONFIG', help: 'path to a kubeconfig' },
  'node-name': { type: 'string', env: false, help: 'name of this node' },
  'root-dir': { type: 'string', required: true, help: 'kubelet state directory' },
});

const base = ['--root-dir=/var/lib/tskubelet'];

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof FlagError) return err.problems;
    throw err;
  }
  throw new Error('expected a FlagError');
}

describe('parseFlags', () => {
  it('falls back to defaults when nothing is given', () => {
    expect(parseFlags(spec, base, {})).toEqual({
      'etcd-servers': [],
      'bind-address': '0.0.0.0',
      'insecure-port': 8080,
      'leader-elect': true,
      verbose: false,
      'sync-period': 60_000,
      storage: 'etcd',
      kubeconfig: undefined,
      'node-name': undefined,
      'root-dir': '/var/lib/tskubelet',
    });
  });

  it.each([
    { name: '--flag=value', argv: ['--bind-address=127.0.0.1'], want: { 'bind-address': '127.0.0.1' } },
    { name: '--flag value', argv: ['--bind-address', '127.0.0.1'], want: { 'bind-address': '127.0.0.1' } },
    { name: 'seed underscore spelling', argv: ['--etcd_servers=http://127.0.0.1:4001'], want: { 'etcd-servers': ['http://127.0.0.1:4001'] } },
    { name: 'underscore spelling, separate value', argv: ['--bind_address', '::1'], want: { 'bind-address': '::1' } },
    { name: 'value containing =', argv: ['--kubeconfig=/tmp/a=b'], want: { kubeconfig: '/tmp/a=b' } },
    { name: 'negative int as separate value', argv: ['--insecure-port', '-0'], want: { 'insecure-port': -0 } },
    { name: 'bare boolean is true', argv: ['--verbose'], want: { verbose: true } },
    { name: '--bool=false', argv: ['--leader-elect=false'], want: { 'leader-elect': false } },
    { name: '--bool=0 and --bool=T', argv: ['--leader-elect=0', '--verbose=T'], want: { 'leader-elect': false, verbose: true } },
    { name: 'boolean does not eat the next arg', argv: ['--verbose', '--storage=memory'], want: { verbose: true, storage: 'memory' } },
    { name: 'last repeat wins for scalars', argv: ['--storage=memory', '--storage=etcd'], want: { storage: 'etcd' } },
    { name: 'list splits commas and trims', argv: ['--etcd-servers=http://a:2379, http://b:2379'], want: { 'etcd-servers': ['http://a:2379', 'http://b:2379'] } },
    { name: 'repeated list flags append', argv: ['--etcd-servers=a,b', '--etcd_servers', 'c'], want: { 'etcd-servers': ['a', 'b', 'c'] } },
    { name: 'empty list value', argv: ['--etcd-servers='], want: { 'etcd-servers': [] } },
    { name: 'duration with several units', argv: ['--sync-period=1m30s'], want: { 'sync-period': 90_000 } },
  ])('reads $name', ({ argv, want }) => {
    expect(parseFlags(spec, [...base, ...argv], {})).toMatchObject(want);
  });

  it.each([
    { name: 'flag beats env', argv: ['--storage=memory'], env: { TSKUBE_STORAGE: 'etcd' }, key: 'storage', want: 'memory' },
    { name: 'env beats default', argv: [], env: { TSKUBE_INSECURE_PORT: '9090' }, key: 'insecure-port', want: 9090 },
    { name: 'env boolean false', argv: [], env: { TSKUBE_LEADER_ELECT: 'false' }, key: 'leader-elect', want: false },
    { name: 'env duration', argv: [], env: { TSKUBE_SYNC_PERIOD: '500ms' }, key: 'sync-period', want: 500 },
    { name: 'env list', argv: [], env: { TSKUBE_ETCD_SERVERS: 'a,b' }, key: 'etcd-servers', want: ['a', 'b'] },
    { name: 'empty env is unset', argv: [], env: { TSKUBE_BIND_ADDRESS: '' }, key: 'bind-address', want: '0.0.0.0' },
    { name: 'custom env name', argv: [], env: { KUBECONFIG: '/k', TSKUBE_KUBECONFIG: '/x' }, key: 'kubeconfig', want: '/k' },
    { name: 'env: false reads no env', argv: [], env: { TSKUBE_NODE_NAME: 'n1' }, key: 'node-name', want: undefined },
    { name: 'required flag from env', argv: [], env: { TSKUBE_ROOT_DIR: '/r' }, key: 'root-dir', want: '/r' },
  ])('precedence: $name', ({ argv, env, key, want }) => {
    const args = key === 'root-dir' ? argv : [...base, ...argv];
    expect(parseFlags(spec, args, env)[key as keyof typeof spec]).toEqual(want);
  });

  it('reports every problem at once, each naming its flag', () => {
    const problems = problemsOf(() =>
      parseFlags(
        spec,
        [
          '--etcd-serverz=x',
          '--nope',
          'stray',
          '--insecure-port=http',
          '--sync-period=10',
          '--storage=disk',
          '--leader-elect=maybe',
          '--bind-address',
          '--verbose',
          'positional',
        ],
        { TSKUBE_INSECURE_PORT: '1', TSKUBE_VERBOSE: 'yes' },
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'unknown flag --etcd-serverz',
        'unknown flag --nope',
        'unexpected argument "positional"',
        expect.stringMatching(/"http".*--insecure-port.*integer/),
        expect.stringMatching(/"10".*--sync-period.*duration/),
        expect.stringMatching(/"disk".*--storage.*etcd, memory/),
        expect.stringMatching(/"maybe".*--leader-elect/),
        'flag needs an argument: --bind-address',
        expect.stringMatching(/missing required flag --root-dir.*TSKUBE_ROOT_DIR/),
        // `--bind-address --verbose` swallowed --verbose, so the env var was read for it.
        'invalid value "yes" for TSKUBE_VERBOSE (--verbose): expected true or false',
      ]),
    );
    // `--nope stray`: the stray value is taken as the unknown flag's, not reported twice.
    expect(problems.some((p) => p.includes('stray'))).toBe(false);
    // The flag was given, so its env var is never read or reported.
    expect(problems.some((p) => p.includes('TSKUBE_INSECURE_PORT'))).toBe(false);
    expect(problems).toHaveLength(10);
  });

  it('names the env var when a bad value came from the environment', () => {
    expect(problemsOf(() => parseFlags(spec, base, { TSKUBE_INSECURE_PORT: 'abc' }))).toEqual([
      'invalid value "abc" for TSKUBE_INSECURE_PORT (--insecure-port): expected an integer',
    ]);
  });

  it('runs validate hooks on the final value, defaults and env included', () => {
    expect(problemsOf(() => parseFlags(spec, [...base, '--insecure-port=70000'], {}))).toEqual([
      '--insecure-port: must be between 0 and 65535',
    ]);
    const withBadDefault = defineFlags({
      ...spec,
      'cluster-cidr': { type: 'string', default: 'nope', help: 'x', validate: (v) => [`"${v}" is not a CIDR`, 'second'] },
    });
    expect(problemsOf(() => parseFlags(withBadDefault, base, {}))).toEqual([
      '--cluster-cidr: "nope" is not a CIDR',
      '--cluster-cidr: second',
    ]);
  });

  it('runs the cross-flag validate after the per-flag checks pass', () => {
    const validate = (v: { storage: string; 'etcd-servers': string[] }) =>
      v.storage === 'etcd' && v['etcd-servers'].length === 0 ? '--etcd-servers is required with --storage=etcd' : undefined;
    expect(problemsOf(() => parseFlags(spec, base, {}, { validate }))).toEqual(['--etcd-servers is required with --storage=etcd']);
    expect(parseFlags(spec, [...base, '--storage=memory'], {}, { validate }).storage).toBe('memory');
  });

  it('leaves arguments after -- alone apart from reporting them', () => {
    expect(problemsOf(() => parseFlags(spec, [...base, '--', '--etcd_servers=x'], {}))).toEqual([
      'unexpected argument "--etcd_servers=x"',
    ]);
  });

  it('types values from the spec', () => {
    const v = parseFlags(spec, base, {});
    expectTypeOf(v['etcd-servers']).toEqualTypeOf<string[]>();
    expectTypeOf(v['insecure-port']).toEqualTypeOf<number>();
    expectTypeOf(v['sync-period']).toEqualTypeOf<number>();
    expectTypeOf(v.verbose).toEqualTypeOf<boolean>();
    expectTypeOf(v.storage).toEqualTypeOf<'etcd' | 'memory'>();
    expectTypeOf(v.kubeconfig).toEqualTypeOf<string | undefined>();
    expectTypeOf(v['root-dir']).toEqualTypeOf<string>();
  });
});

describe('defineFlags', () => {
  it.each<{ name: string; spec: FlagSpec }>([
    { name: 'non-kebab name', spec: { etcdServers: { type: 'string', help: 'x' } } },
    { name: 'underscore name', spec: { etcd_servers: { type: 'string', help: 'x' } } },
    { name: 'bad duration default', spec: { period: { type: 'duration', default: '10', help: 'x' } } },
    { name: 'default outside choices', spec: { mode: { type: 'string', choices: ['a'], default: 'b', help: 'x' } } },
  ])('rejects a spec with a $name', ({ spec: bad }) => {
    expect(() => defineFlags(bad)).toThrow();
  });
});

describe('helpers', () => {
  it.each([
    ['etcd-servers', 'TSKUBE_ETCD_SERVERS'],
    ['v', 'TSKUBE_V'],
    ['iptables-min-sync-period', 'TSKUBE_IPTABLES_MIN_SYNC_PERIOD'],
  ])('envNameFor(%s) = %s', (flag, want) => {
    expect(envNameFor(flag)).toBe(want);
  });

  it.each([
    { argv: ['--help'], want: true },
    { argv: ['--port=1', '-h'], want: true },
    { argv: ['--', '--help'], want: false },
    { argv: ['--helpful'], want: false },
  ])('wantsHelp($argv) = $want', ({ argv, want }) => {
    expect(wantsHelp(argv)).toBe(want);
  });

  it('flagsHelp lists every flag with its type, default, choices and env var', () => {
    const text = flagsHelp(spec, { usage: 'Usage: tskube-apiserver [flags]' });
    const line = (flag: string) => text.split('\n').find((l) => l.includes(`--${flag} `) || l.endsWith(`--${flag}`)) ?? '';
    expect(text.startsWith('Usage: tskube-apiserver [flags]\n\nFlags:\n')).toBe(true);
    expect(line('etcd-servers')).toMatch(/--etcd-servers strings\s+etcd servers .*\[\$TSKUBE_ETCD_SERVERS\]/);
    expect(line('sync-period')).toMatch(/--sync-period duration .*default 1m/);
    expect(line('storage')).toMatch(/one of: etcd, memory; default "etcd"/);
    expect(line('leader-elect')).toMatch(/--leader-elect\s+run leader election \(default true\)/);
    expect(line('node-name')).not.toContain('$');
    expect(line('kubeconfig')).toContain('[$KUBECONFIG]');
    expect(line('root-dir')).toContain('required');
  });
});
