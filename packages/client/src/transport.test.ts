import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isStatusError } from '@tskube/api-types';
import { MAX_RETRY_AFTER_RETRIES, retryAfterSeconds, Transport } from './transport.js';

describe('retryAfterSeconds', () => {
  it.each([
    [429, '1', 1],
    [429, ' 3 ', 3],
    [503, '2', 2],
    [500, '0', 0],
    [429, undefined, undefined],
    [429, 'Wed, 21 Oct 2015 07:28:00 GMT', undefined],
    [409, '1', undefined],
    [200, '1', undefined],
    [429, ['4', '5'], 4],
  ] as const)('status %d, Retry-After %j → %j', (status, header, expected) => {
    expect(retryAfterSeconds(status, header as string | string[] | undefined)).toBe(expected);
  });
});

describe('Transport and Retry-After', () => {
  let server: http.Server;
  let url: string;
  /** Answers 429 with Retry-After: 0 this many times, then 201 echoing the body. */
  let throttled = 0;
  const seen: { method: string; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += String(d)));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', body });
        if (throttled > 0) {
          throttled--;
          const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.' };
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' }).end(JSON.stringify(status));
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' }).end(body || '{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    seen.length = 0;
    throttled = 0;
  });

  it('sends a throttled create again, with its body, until the server takes it', async () => {
    const transport = new Transport({ server: url });
    throttled = 3;
    const out = await transport.request<{ n: number }>('POST', '/api/v1/namespaces/a/pods', { body: { n: 7 } });
    expect(out).toEqual({ n: 7 });
    expect(seen.map((s) => s.body)).toEqual(Array(4).fill('{"n":7}'));
    transport.close();
  });

  it('gives up after MAX_RETRY_AFTER_RETRIES retries with the 429 Status', async () => {
    const transport = new Transport({ server: url });
    throttled = MAX_RETRY_AFTER_RETRIES + 5;
    const err: unknown = await transport.request('GET', '/api/v1/pods').catch((e: unknown) => e);
    expect(isStatusError(err) && err.reason).toBe('TooManyRequests');
    expect(seen).toHaveLength(MAX_RETRY_AFTER_RETRIES + 1);
    transport.close();
  });
});
