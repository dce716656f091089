export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The PATCH media types the apiserver accepts, in upstream's order (used for the 415 message). */
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

const byMediaType: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Maps a `Content-Type` header to a patch flavour; parameters (`; charset=utf-8`) and case are ignored. */
export function patchTypeFromContentType(contentType: string): PatchType | undefined {
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return Object.hasOwn(byMediaType, mediaType) ? byMediaType[mediaType] : undefined;
}
