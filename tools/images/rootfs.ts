/**
 * Pieces of an image root filesystem shared by the recipes in build.ts and daemons.ts: the base
 * directories, hashing of inputs, and an ELF binary with the shared libraries `ldd` lists.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export const fileHash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** /etc/passwd, /etc/group and the usual empty directories. */
export async function baseRoot(root: string): Promise<void> {
  // mkdtemp makes it 0700, which would become the image's `/` and shut out a non-root user.
  await chmod(root, 0o755);
  for (const dir of ['bin', 'etc', 'dev', 'proc', 'sys', 'root', 'var', 'tmp', 'usr/bin']) await mkdir(join(root, dir), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await writeFile(join(root, 'etc/nsswitch.conf'), 'hosts: files dns\npasswd: files\ngroup: files\n');
}

export interface LddOutput {
  /** Absolute paths of the libraries, the dynamic loader included. */
  libraries: string[];
  /** Sonames ldd could not resolve (`libfoo.so.1 => not found`). */
  missing: string[];
}

/**
 * Parses `ldd` output: `libc.so.6 => /lib/.../libc.so.6 (0x...)` and `/lib64/ld-linux... (0x...)`
 * lines give a path; the kernel's vdso (`linux-vdso.so.1 (0x...)`) has none and is skipped.
 */
export function parseLddOutput(out: string): LddOutput {
  const libraries: string[] = [];
  const missing: string[] = [];
  for (const line of out.split('\n')) {
    const notFound = /^\s*(\S+)\s+=>\s+not found/.exec(line);
    if (notFound?.[1]) {
      missing.push(notFound[1]);
      continue;
    }
    const path = /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)/.exec(line)?.[1];
    if (path && !libraries.includes(path)) libraries.push(path);
  }
  return { libraries, missing };
}

/** Shared libraries of an ELF binary per `ldd` (none for a static one). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let out: string;
  try {
    out = (await run('ldd', [binary])).stdout;
  } catch (err) {
    // ldd exits 1 with "not a dynamic executable" for a static binary.
    if (/not a dynamic executable/.test(String((err as { stderr?: string }).stderr ?? err))) return [];
    throw err;
  }
  const { libraries, missing } = parseLddOutput(out);
  if (missing.length > 0) throw new Error(`${binary} needs shared libraries ldd cannot find: ${missing.join(', ')}`);
  return libraries;
}

/** The hash inputs of a binary and its shared libraries. */
export async function binaryInputs(binary: string): Promise<string[]> {
  return [fileHash(binary), ...(await sharedLibraries(binary)).map((lib) => `${lib} ${fileHash(lib)}`)];
}

/**
 * Copies `binary` to `root/dest` and its shared libraries to the same paths under `root`;
 * `transform` (e.g. strip) may write the binary instead of a plain copy. Returns the library count.
 */
export async function copyBinary(
  binary: string,
  root: string,
  dest: string,
  transform?: (from: string, to: string) => Promise<void>,
): Promise<number> {
  const real = realpathSync(binary);
  await mkdir(join(root, dirname(dest)), { recursive: true });
  if (transform) await transform(real, join(root, dest));
  else await copyFile(real, join(root, dest));
  await chmod(join(root, dest), 0o755);
  const libs = await sharedLibraries(real);
  for (const lib of libs) {
    await mkdir(join(root, dirname(lib)), { recursive: true });
    await copyFile(realpathSync(lib), join(root, lib));
  }
  return libs.length;
}
