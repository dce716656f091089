export { createStore, EXPIRED_CONTINUE_MESSAGE, type StoreConfig } from './store.js';
export { generateName, NAME_ALPHABET, rfc3339 } from './names.js';
export { decodeContinue, encodeContinue, type ContinueState } from './continue-token.js';
export {
  interpretCreateError,
  interpretDeleteError,
  interpretGetError,
  interpretListError,
  interpretUpdateError,
} from './errors.js';
export type {
  CreateOptions,
  StoreDeleteOptions,
  GuaranteedUpdateOptions,
  StoreListOptions,
  ObjectList,
  Store,
  StoreHooks,
  Strategy,
  UpdateFn,
  UpdateOptions,
  StoreWatchOptions,
} from './types.js';
