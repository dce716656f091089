/**
 * Pod volumes on the node: emptyDir under `<root-dir>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>`
 * and hostPath (with upstream's type checks), bound into containers by their volumeMounts.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Container, Pod, Volume } from '@tskube/api-types';
import type { Mount } from '../runtime/types.js';

export const podDir = (rootDir: string, uid: string): string => join(rootDir, 'pods', uid);
export const emptyDirPath = (rootDir: string, uid: string, name: string): string =>
  join(podDir(rootDir, uid), 'volumes', 'kubernetes.io~empty-dir', name);

export class VolumeError extends Error {}

async function kind(path: string): Promise<'dir' | 'file' | 'socket' | 'char' | 'block' | 'other' | undefined> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) return 'dir';
    if (s.isFile()) return 'file';
    if (s.isSocket()) return 'socket';
    if (s.isCharacterDevice()) return 'char';
    if (s.isBlockDevice()) return 'block';
    return 'other';
  } catch {
    return undefined;
  }
}

/** Checks (and for *OrCreate types creates) a hostPath as upstream's hostPathTypeChecker. */
export async function checkHostPath(path: string, type: string | undefined): Promise<void> {
  const k = await kind(path);
  const fail = (what: string): never => {
    throw new VolumeError(`hostPath type check failed: ${path} is not a ${what}`);
  };
  switch (type ?? '') {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (k === undefined) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (k !== 'dir') fail('directory');
      return;
    case 'Directory':
      if (k !== 'dir') fail('directory');
      return;
    case 'FileOrCreate':
      if (k === undefined) await writeFile(path, '', { mode: 0o644 });
      else if (k !== 'file') fail('file');
      return;
    case 'File':
      if (k !== 'file') fail('file');
      return;
    case 'Socket':
      if (k !== 'socket') fail('socket');
      return;
    case 'CharDevice':
      if (k !== 'char') fail('character device');
      return;
    case 'BlockDevice':
      if (k !== 'block') fail('block device');
      return;
    default:
      throw new VolumeError(`hostPath type ${type} is not supported`);
  }
}

/** The host directory or file backing a volume; creates emptyDirs and checks hostPaths. */
export async function setUpVolume(rootDir: string, pod: Pod, volume: Volume): Promise<string> {
  const uid = pod.metadata?.uid ?? '';
  if (volume.hostPath) {
    await checkHostPath(volume.hostPath.path, volume.hostPath.type);
    return volume.hostPath.path;
  }
  if (volume.emptyDir || Object.keys(volume).length === 1) {
    const dir = emptyDirPath(rootDir, uid, volume.name);
    // World-writable as upstream's emptyDir, so containers running as any user can use it.
    await mkdir(dir, { recursive: true, mode: 0o777 });
    return dir;
  }
  throw new VolumeError(`volume ${volume.name}: only emptyDir and hostPath are supported`);
}

/** Sets up every volume of the pod; returns name → host path. */
export async function setUpPodVolumes(rootDir: string, pod: Pod): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) paths.set(v.name, await setUpVolume(rootDir, pod, v));
  return paths;
}

export function containerMounts(container: Container, volumePaths: ReadonlyMap<string, string>): Mount[] {
  return (container.volumeMounts ?? []).map((m) => {
    const host = volumePaths.get(m.name);
    if (host === undefined) throw new VolumeError(`volumeMount ${m.name}: no volume of that name`);
    if (m.subPath && (posix.isAbsolute(m.subPath) || m.subPath.split('/').includes('..'))) {
      throw new VolumeError(`volumeMount ${m.name}: subPath ${m.subPath} must be a relative path without ..`);
    }
    return { hostPath: m.subPath ? join(host, m.subPath) : host, containerPath: m.mountPath, readOnly: m.readOnly ?? false };
  });
}

/** Removes the pod's directory (emptyDirs) once the pod is gone. */
export async function tearDownPodDir(rootDir: string, uid: string): Promise<void> {
  if (!uid) return;
  await rm(podDir(rootDir, uid), { recursive: true, force: true });
}
