// The PATCH flavours the apiserver accepts: RFC 6902 JSON patch, RFC 7386 merge patch and
// Kubernetes' strategic merge patch. Server-side apply (`apply`) lives in ../apply/.
export { patchTypeFromContentType, PATCH_CONTENT_TYPES, type PatchType } from './content-type.js';
export { applyPatch } from './apply.js';
export { MAX_JSON_PATCH_COPY_BYTES, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { mergeKeyFor, patchMetaFor, type FieldMeta } from './patch-meta.js';
