import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { configFromKubeconfigObject, configFromMaster, loadKubeconfig } from './config.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const kubeconfig = {
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': 'ts',
  clusters: [
    { name: 'ts', cluster: { server: 'https://127.0.0.1:6443/', 'certificate-authority-data': b64('CA PEM') } },
    { name: 'dev', cluster: { server: 'http://127.0.0.1:8080', 'insecure-skip-tls-verify': true } },
    { name: 'files', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': 'pki/ca.crt' } },
  ],
  users: [
    { name: 'admin', user: { token: 's3cr3t' } },
    { name: 'cert', user: { 'client-certificate-data': b64('CERT PEM'), 'client-key-data': b64('KEY PEM') } },
    { name: 'certfiles', user: { 'client-certificate': '/abs/client.crt', 'client-key': 'client.key', tokenFile: 'token' } },
  ],
  contexts: [
    { name: 'ts', context: { cluster: 'ts', user: 'admin', namespace: 'team-a' } },
    { name: 'dev', context: { cluster: 'dev' } },
    { name: 'mtls', context: { cluster: 'ts', user: 'cert' } },
    { name: 'files', context: { cluster: 'files', user: 'certfiles' } },
    { name: 'broken', context: { cluster: 'nope', user: 'admin' } },
  ],
};

describe('configFromKubeconfigObject', () => {
  it.each([
    { context: undefined, want: { server: 'https://127.0.0.1:6443', ca: 'CA PEM', token: 's3cr3t', namespace: 'team-a' } },
    { context: 'dev', want: { server: 'http://127.0.0.1:8080', insecureSkipTLSVerify: true } },
    { context: 'mtls', want: { server: 'https://127.0.0.1:6443', ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' } },
    {
      context: 'files',
      want: { server: 'https://127.0.0.1:6443', caFile: '/home/u/.kube/pki/ca.crt', certFile: '/abs/client.crt', keyFile: '/home/u/.kube/client.key', tokenFile: '/home/u/.kube/token' },
    },
  ])('context $context', ({ context, want }) => {
    expect(configFromKubeconfigObject(kubeconfig, { basePath: '/home/u/.kube', ...(context ? { context } : {}) })).toEqual(want);
  });

  it.each([
    { obj: null, context: undefined, error: 'not an object' },
    { obj: { ...kubeconfig, 'current-context': undefined }, context: undefined, error: 'no context given' },
    { obj: kubeconfig, context: 'missing', error: 'context "missing" not found' },
    { obj: kubeconfig, context: 'broken', error: 'cluster "nope" not found' },
  ])('rejects $error', ({ obj, context, error }) => {
    expect(() => configFromKubeconfigObject(obj, context ? { context } : {})).toThrow(error);
  });
});

describe('configFromMaster', () => {
  it.each([
    { url: 'http://127.0.0.1:8080', server: 'http://127.0.0.1:8080' },
    { url: 'https://127.0.0.1:6443/', server: 'https://127.0.0.1:6443' },
  ])('$url', ({ url, server }) => {
    expect(configFromMaster(url)).toEqual({ server });
  });

  it('rejects other schemes', () => {
    expect(() => configFromMaster('tcp://127.0.0.1:8080')).toThrow('http or https');
  });
});

describe('loadKubeconfig', () => {
  it('reads a YAML file and resolves relative paths against its directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tskube-kubeconfig-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(
        file,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'local',
          clusters: [{ name: 'local', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': 'pki/ca.crt' } }],
          users: [{ name: 'admin', user: { token: 't0k3n' } }],
          contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin', namespace: 'team-a' } }],
        }),
      );
      expect(loadKubeconfig(file)).toMatchObject({
        server: 'https://127.0.0.1:6443',
        caFile: join(dir, 'pki/ca.crt'),
        token: 't0k3n',
        namespace: 'team-a',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadKubeconfig('/nonexistent/kubeconfig')).toThrow('cannot read kubeconfig /nonexistent/kubeconfig');
  });
});
