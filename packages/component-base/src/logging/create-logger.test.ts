import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from './create-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } };
}

describe('createLogger', () => {
  it('writes JSON lines with msg, ISO time, level name and the component binding', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ component: 'kube-scheduler', destination, env: {} });
    logger.child({ plugin: 'NodeName' }).info({ pod: 'default/web-0' }, 'bound pod');

    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({
      level: 'info',
      msg: 'bound pod',
      component: 'kube-scheduler',
      plugin: 'NodeName',
      pod: 'default/web-0',
    });
    expect(new Date(line['time'] as string).toISOString()).toBe(line['time']);
  });

  it('redacts tokens, passwords and the authorization header', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ component: 'apiserver', destination, env: {} });
    logger.info(
      {
        user: { name: 'admin', token: 's3cret', password: 'hunter2' },
        req: { method: 'GET', headers: { authorization: 'Bearer s3cret' } },
      },
      'request',
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('hunter2');
    expect(lines[0]).toMatchObject({ user: { name: 'admin' }, req: { method: 'GET' } });
  });

  it.each([
    { name: 'option wins over env', level: 'warn', env: { TSKUBE_LOG_LEVEL: 'debug' }, want: 'warn' },
    { name: 'env when no option', level: undefined, env: { TSKUBE_LOG_LEVEL: 'debug' }, want: 'debug' },
    { name: 'info by default', level: undefined, env: {}, want: 'info' },
    { name: 'empty env means unset', level: undefined, env: { TSKUBE_LOG_LEVEL: '' }, want: 'info' },
  ])('level: $name', ({ level, env, want }) => {
    const { destination } = capture();
    expect(createLogger({ component: 'c', level, env, destination }).level).toBe(want);
  });

  it('drops lines below the level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ component: 'c', level: 'warn', destination, env: {} });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines.map((l) => l['msg'])).toEqual(['shown']);
  });

  it('rejects an unknown level, naming where it came from', () => {
    expect(() => createLogger({ component: 'c', env: { TSKUBE_LOG_LEVEL: 'loud' } })).toThrow(/"loud".*TSKUBE_LOG_LEVEL/);
  });
});

describe('silentLogger', () => {
  it('is a usable logger at level silent', () => {
    const logger = silentLogger();
    expect(logger.level).toBe('silent');
    expect(() => logger.child({ a: 1 }).error('nothing')).not.toThrow();
  });
});
