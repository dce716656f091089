import { describe, expect, it } from 'vitest';
import { parseLddOutput } from './rootfs.js';

describe('parseLddOutput', () => {
  it.each([
    { line: '\tlinux-vdso.so.1 (0x00007ffd4b3f2000)', libraries: [], missing: [] },
    { line: '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f4c2541e000)', libraries: ['/lib/x86_64-linux-gnu/libc.so.6'], missing: [] },
    { line: '\t/lib64/ld-linux-x86-64.so.2 (0x00007f4c259f3000)', libraries: ['/lib64/ld-linux-x86-64.so.2'], missing: [] },
    { line: '\tlibfoo.so.1 => not found', libraries: [], missing: ['libfoo.so.1'] },
    { line: '', libraries: [], missing: [] },
  ])('$line', ({ line, libraries, missing }) => {
    expect(parseLddOutput(line)).toEqual({ libraries, missing });
  });

  it('keeps the order of a whole output and lists a library once', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd4b3f2000)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f4c259db000)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f4c25600000)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f4c259db000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f4c259f3000)',
    ].join('\n');
    expect(parseLddOutput(out).libraries).toEqual([
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
});
