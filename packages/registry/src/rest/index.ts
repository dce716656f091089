// The REST layer: /api/v1 over express (api-handler.ts), with its parts.
export {
  createApiHandler,
  DEFAULT_VERSION,
  requestUser,
  type ApiHandler,
  type ApiHandlerOptions,
  type VersionInfo,
} from './api-handler.js';
export { clientCertAuthenticator, tokenFileAuthenticator, unionAuthenticator, type Authenticator, type User } from './auth.js';
export { DEFAULT_MAX_BODY_BYTES, MAX_YAML_ALIAS_COUNT } from './body.js';
export { MAX_NESTING_DEPTH } from './depth.js';
export {
  createInflightLimiter,
  DEFAULT_INFLIGHT_LIMITS,
  type InflightLimiter,
  type InflightLimits,
} from './inflight.js';
export {
  createKubeletClient,
  DEFAULT_KUBELET_PORT,
  nodeLocation,
  type KubeletClient,
  type KubeletClientConfig,
  type KubeletLocation,
} from './kubelet.js';
export { apiResourceList, findResource, RESOURCES, type APIResource, type ResourceDef, type SubresourceDef, type Verb } from './resources.js';
export * from './patch/index.js';
export * from './printers/index.js';
export * from './openapi/index.js';
