// OpenAPI v3 discovery: what `kubectl create|apply -f` downloads to decide how to validate.
export {
  openApiV3Root,
  openApiV3CoreV1,
  openApiV3CoreV1Json,
  openApiV3CoreV1Hash,
  openApiV3Group,
  openApiV3GroupJson,
  openApiV3GroupVersions,
} from './core-v1.js';
export { OPENAPI_V2_PROTOBUF, openApiV2, openApiV2Json, openApiV2Protobuf, toV2Schema } from './v2.js';
