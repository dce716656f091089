import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ensureKubectl120 } from './kubectl120.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('ensureKubectl120 with TSKUBE_KUBECTL120', () => {
  // Never downloads: the override decides, and it must really be a 1.20 client.
  it.each([
    ['a missing file', '/nonexistent/kubectl'],
    ['a binary that is not kubectl 1.20', process.execPath],
  ])('refuses %s', async (_what, bin) => {
    const dir = await mkdtemp(join(tmpdir(), 'tskube-k120-'));
    try {
      vi.stubEnv('TSKUBE_KUBECTL120', bin);
      expect(await ensureKubectl120(dir)).toBeUndefined();
      expect(existsSync(join(dir, 'usr'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
