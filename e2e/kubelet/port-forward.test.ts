/**
 * Port forwarding end to end: a real dockerd, the apiserver and a kubelet; a pod whose busybox
 * httpd listens on the pod's loopback only, reached by the stock kubectl (SPDY tunnelled in
 * WebSocket, and native SPDY), by our own SPDY client through the apiserver, and by
 * @kubernetes/client-node's PortForward (WebSocket channels).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { PassThrough } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '@tskube/api-types';
import { SpdySession, type SpdyStream } from '@tskube/kubelet-runtime';
import { BUSYBOX_IMAGE, ensureImages } from '@tskube/tools';
import { useDocker } from '../setup/docker.js';
import { startCluster, until, type Cluster } from './harness.js';

const NODE = `pf-node-${randomUUID().slice(0, 6)}`;
const PAGE = 'hello from the pod loopback';
let cluster: Cluster;

const webPod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    nodeName: NODE,
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        name: 'web',
        image: BUSYBOX_IMAGE,
        imagePullPolicy: 'IfNotPresent',
        // Bound to 127.0.0.1: only a forward from inside the pod's network namespace reaches it.
        command: ['sh', '-c', `mkdir -p /www && echo '${PAGE}' > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www`],
      },
    ],
  },
};

/** GET / on a local port, each on a fresh connection. */
const fetchPage = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('timed out')));
  });

/** Starts `kubectl port-forward`, waits for its local port. */
async function portForward(remote: string, env: Record<string, string> = {}) {
  const pf = cluster.kubectlStream(['port-forward', 'pod/web', `:${remote}`], env);
  const pattern = new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${remote}`);
  const local = await until(`kubectl port-forward ready (${remote})`, async () => {
    const m = pattern.exec(pf.output());
    if (!m && pf.output().includes('error')) throw new Error(`kubectl port-forward failed: ${pf.output()}`);
    return m ? Number(m[1]) : undefined;
  }, 30_000);
  return { ...pf, local };
}

beforeAll(async () => {
  const dockerHost = (await useDocker()).host;
  await ensureImages(dockerHost);
  cluster = await startCluster(inject('etcdEndpoint'));
  await cluster.startKubelet(NODE, [`--docker-endpoint=${dockerHost}`]);
  await cluster.client.pods.create('default', webPod);
  await until('web Running', async () => {
    const p = await cluster.client.pods.get('default', 'web');
    return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running) ? p : undefined;
  }, 90_000);
}, 180_000);

afterAll(async () => {
  await cluster?.client.pods.delete('default', 'web', { gracePeriodSeconds: 0 }).catch(() => undefined);
  await cluster?.dispose();
});

describe.each([
  ['SPDY tunnelled in WebSocket (kubectl 1.32 default)', {}],
  ['native SPDY/3.1 (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
])('kubectl port-forward over %s', (_name, env: Record<string, string>) => {
  it('serves a server bound to the pod’s localhost, again and again, and concurrently', async () => {
    const pf = await portForward('8080', env);
    try {
      for (let i = 0; i < 3; i++) expect((await fetchPage(pf.local)).trim()).toBe(PAGE);
      const both = await Promise.all([fetchPage(pf.local), fetchPage(pf.local)]);
      expect(both.map((b) => b.trim())).toEqual([PAGE, PAGE]);
      expect(pf.output()).toContain('Handling connection for');
    } finally {
      pf.stop();
      await pf.exited;
    }
  });

  // kubectl ≥ 1.23 then drops the whole connection itself ("error: lost connection to pod"); that
  // the kubelet's session survives a failed connection is shown with our own client below.
  it('reports a closed port with kubectl’s error', async () => {
    const pf = await portForward('8081', env);
    try {
      await fetchPage(pf.local).catch(() => undefined);
      await until('the forwarding error', async () => (/an error occurred forwarding \d+ -> 8081/.test(pf.output()) ? true : undefined), 20_000);
      expect(pf.output()).toMatch(/error forwarding port 8081 to pod default\/web, uid [0-9a-f-]+: .*connect ECONNREFUSED 127\.0\.0\.1:8081/);
    } finally {
      pf.stop();
      await pf.exited;
    }
  });
});

/** A SPDY session to the apiserver's portforward endpoint, as kubectl opens it natively. */
function openSpdy(path: string): Promise<SpdySession> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${cluster.url}${path}`, {
      method: 'POST',
      headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' },
    });
    req.on('upgrade', (res, socket, head) => {
      expect(res.headers['x-stream-protocol-version']).toBe('portforward.k8s.io');
      if (head.length > 0) socket.unshift(head);
      resolve(new SpdySession(socket, { role: 'client' }));
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => reject(new Error(`no upgrade: HTTP ${res.statusCode}: ${body}`)));
    });
    req.on('error', reject);
    req.end();
  });
}

const readAll = (s: SpdyStream): Promise<string> =>
  new Promise((resolve, reject) => {
    let out = '';
    s.on('data', (d) => (out += String(d)));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });

/** One forwarded connection on a session: the error and data streams kubectl would open. */
async function forwardOnce(session: SpdySession, port: number, requestId: number, payload: string) {
  const headers = { port: String(port), requestid: String(requestId) };
  const error = session.openStream({ ...headers, streamtype: 'error' });
  error.end();
  const data = session.openStream({ ...headers, streamtype: 'data' });
  data.end(payload);
  const [err, body] = await Promise.all([readAll(error), readAll(data)]);
  return { err, body };
}

describe('port forwarding through the apiserver with our SPDY client', () => {
  it('keeps the session after a failed connection', async () => {
    const session = await openSpdy('/api/v1/namespaces/default/pods/web/portforward?ports=8080');
    try {
      const failed = await forwardOnce(session, 8081, 0, '');
      expect(failed.err).toMatch(/error forwarding port 8081 .*ECONNREFUSED/);
      expect(failed.body).toBe('');
      const ok = await forwardOnce(session, 8080, 1, 'GET / HTTP/1.0\r\n\r\n');
      expect(ok.err).toBe('');
      expect(ok.body).toMatch(/^HTTP\/1\.[01] 200/);
      expect(ok.body).toContain(PAGE);
    } finally {
      await session.close();
    }
  });

  it('refuses a pod that is not running', async () => {
    const done: Pod = {
      ...webPod,
      metadata: { name: 'done', namespace: 'default' },
      spec: { ...webPod.spec!, restartPolicy: 'Never', containers: [{ ...webPod.spec!.containers[0]!, command: ['true'] }] },
    };
    await cluster.client.pods.create('default', done);
    await until('done Succeeded', async () => ((await cluster.client.pods.get('default', 'done')).status?.phase === 'Succeeded' ? true : undefined), 60_000);
    // Its sandbox goes shortly after the phase is reported.
    const refusal = await until('the kubelet refuses', async () => {
      const err = await openSpdy('/api/v1/namespaces/default/pods/done/portforward?ports=8080').then(
        async (s) => void (await s.close()),
        (e: Error) => e,
      );
      return err?.message.includes('HTTP 400') ? err : undefined;
    }, 30_000);
    expect(refusal.message).toContain('HTTP 400');
  });
});

describe('@kubernetes/client-node PortForward (WebSocket channels)', () => {
  it('fetches the page', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: cluster.url, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const output = new PassThrough();
    const errors = new PassThrough();
    const input = new PassThrough();
    let got = '';
    let errText = '';
    output.on('data', (d) => (got += String(d)));
    errors.on('data', (d) => (errText += String(d)));
    const ws = await new PortForward(kc).portForward('default', 'web', [8080], output, errors, input);
    try {
      input.write('GET / HTTP/1.0\r\n\r\n');
      await until('the page over client-node', async () => (got.includes(PAGE) ? true : undefined), 20_000);
      expect(got).toMatch(/^HTTP\/1\.[01] 200/);
      expect(errText).toBe('');
    } finally {
      (ws as { close(): void }).close();
    }
  });
});
