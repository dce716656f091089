/**
 * Runs one probe: httpGet (200–399), tcpSocket (connect) or exec (exit 0). Probes dial only the
 * pod IP (the sandbox's address on our runtime's bridge, or the node IP for hostNetwork pods);
 * `httpGet.host` is ignored on purpose so a pod spec cannot aim the kubelet elsewhere.
 */
import http from 'node:http';
import { connect } from 'node:net';
import type { Container, IntOrString, Probe } from '@tskube/api-types';
import type { ContainerRuntime } from '../runtime/types.js';
import type { ProbeResult } from './probe-state.js';

export interface ProbeTarget {
  podIP: string;
  container: Container;
  containerId: string;
  runtime: Pick<ContainerRuntime, 'execSync'>;
}

export function resolvePort(port: IntOrString, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`port ${port} is not a named port of container ${container.name}`);
  return named.containerPort;
}

function httpProbe(host: string, port: number, path: string, headers: Record<string, string>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.request({ host, port, path: path || '/', method: 'GET', headers: { 'user-agent': 'kube-probe/1.32', accept: '*/*', ...headers }, timeout: timeoutMs, agent: false }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      resolve(code >= 200 && code < 400 ? 'success' : 'failure');
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve('failure'));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (r: ProbeResult) => {
      socket.destroy();
      resolve(r);
    };
    socket.once('connect', () => done('success'));
    socket.once('timeout', () => done('failure'));
    socket.once('error', () => done('failure'));
  });
}

export async function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutSeconds = probe.timeoutSeconds || 1;
  try {
    if (probe.exec) {
      const r = await target.runtime.execSync(target.containerId, probe.exec.command ?? [], timeoutSeconds);
      return r.exitCode === 0 ? 'success' : 'failure';
    }
    if (!target.podIP) return 'unknown';
    if (probe.httpGet) {
      if ((probe.httpGet.scheme ?? 'HTTP') !== 'HTTP') return 'unknown';
      const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
      return await httpProbe(target.podIP, resolvePort(probe.httpGet.port, target.container), probe.httpGet.path ?? '/', headers, timeoutSeconds * 1000);
    }
    if (probe.tcpSocket) return await tcpProbe(target.podIP, resolvePort(probe.tcpSocket.port, target.container), timeoutSeconds * 1000);
  } catch {
    return 'failure';
  }
  return 'unknown';
}
