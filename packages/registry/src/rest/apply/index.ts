// Server-side apply and field ownership (metadata.managedFields), as the upstream field manager.
export { FieldSet, pathString, type FieldPath, type PathElement } from './fieldset.js';
export { applyConfiguration, recordUpdate, type ApplyOptions, type FieldManagerContext } from './apply.js';
export { decodeManagedFields, encodeManagedFields, fieldManagerOf, type ManagedFieldsEntry, type ManagerFields } from './managed-fields.js';
export { forceParam, serverSideApply, updateTracker, type ApplyRequest, type ApplyResult } from './handler.js';
