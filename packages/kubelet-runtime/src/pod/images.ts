/**
 * imagePullPolicy as the kubelet applies it (upstream's image manager), with one rule of our
 * own: only registries on loopback are ever pulled from (network safety; our machines reach no
 * public registry). An `Always` image that cannot be pulled from such a place runs from the
 * local copy when there is one, so the offline images work with their `:latest` tags.
 */
import type { Container } from '@tskube/api-types';
import type { ContainerRuntime } from '../runtime/types.js';
import type { Backoff } from './backoff.js';

export class ImageError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName',
    message: string,
  ) {
    super(message);
  }
}

/** The registry host of an image reference (`docker.io` when none is named). */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

export function isLoopbackRegistry(image: string): boolean {
  const host = registryHost(image).replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function pullPolicy(container: Container): 'Always' | 'IfNotPresent' | 'Never' {
  const p = container.imagePullPolicy;
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return p;
  const image = container.image ?? '';
  const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export interface EnsureImageHooks {
  pulling(image: string): void;
  pulled(image: string, ms: number): void;
  /** The pull failed but the local copy is used. */
  usedLocal(image: string, err: unknown): void;
}

/** Makes sure the image is there per policy; returns its id or throws an ImageError. */
export async function ensureImage(
  runtime: Pick<ContainerRuntime, 'imageId' | 'pullImage'>,
  container: Container,
  backoff: Backoff,
  key: string,
  now: () => number,
  hooks?: Partial<EnsureImageHooks>,
): Promise<string> {
  const image = container.image ?? '';
  if (!image) throw new ImageError('InvalidImageName', `Failed to apply default image tag "": couldn't parse image name "": invalid reference format`);
  const policy = pullPolicy(container);
  const present = await runtime.imageId(image);
  if (policy === 'Never') {
    if (!present) throw new ImageError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
    return present;
  }
  if (policy === 'IfNotPresent' && present) return present;
  if (!isLoopbackRegistry(image)) {
    if (present) return present;
    backoff.next(key, now());
    throw new ImageError('ErrImagePull', `image "${image}" is not present and pulling from ${registryHost(image)} is disabled (only loopback registries are reachable)`);
  }
  if (backoff.remainingSinceLast(key) > 0) throw new ImageError('ImagePullBackOff', `Back-off pulling image "${image}"`);
  const started = now();
  hooks?.pulling?.(image);
  try {
    const id = await runtime.pullImage(image);
    backoff.reset(key);
    hooks?.pulled?.(image, now() - started);
    return id;
  } catch (err) {
    if (present) {
      hooks?.usedLocal?.(image, err);
      return present;
    }
    backoff.next(key, now());
    throw new ImageError('ErrImagePull', `failed to pull image "${image}": ${err instanceof Error ? err.message : String(err)}`);
  }
}
