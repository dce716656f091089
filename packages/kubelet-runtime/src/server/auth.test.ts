import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { authenticate, parseTokenFile, type KubeletAuthConfig } from './auth.js';
import { pickProtocol, statusFor } from './streaming.js';

const req = (authorization?: string, authorized?: boolean) =>
  ({ headers: authorization ? { authorization } : {}, socket: { authorized, getPeerCertificate: () => ({ subject: { CN: 'apiserver' } }) } }) as unknown as IncomingMessage;

describe('kubelet API authentication', () => {
  it.each<[string, IncomingMessage, KubeletAuthConfig, boolean]>([
    ['no credentials, anonymous off', req(), { tokens: ['t'] }, false],
    ['no credentials, anonymous on', req(), { anonymous: true }, true],
    ['listed token', req('Bearer t'), { tokens: ['t'] }, true],
    ['unknown token, even with anonymous on', req('Bearer x'), { tokens: ['t'], anonymous: true }, false],
    ['verified client cert', req(undefined, true), { clientCerts: true }, true],
    ['unverified client cert', req(undefined, false), { clientCerts: true }, false],
  ])('%s', (_n, r, config, ok) => expect(authenticate(r, config).ok).toBe(ok));

  it('reads plain and CSV token files', () => {
    expect(parseTokenFile('# c\nabc\n"def",admin,1,"g1,g2"\n\n')).toEqual(['abc', 'def']);
  });
});

describe('stream protocol', () => {
  it.each([
    [['v5.channel.k8s.io'], 'v5.channel.k8s.io'],
    [['v4.channel.k8s.io', 'v5.channel.k8s.io'], 'v5.channel.k8s.io'],
    [['channel.k8s.io'], false],
  ])('offered %j → %s', (offered, want) => expect(pickProtocol(offered)).toBe(want));

  it('reports a non-zero exit code as kubectl decodes it', () => {
    expect(statusFor(0)).toEqual({ metadata: {}, status: 'Success' });
    expect(statusFor(3, ['sh', '-c', 'exit 3'])).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  });
});
