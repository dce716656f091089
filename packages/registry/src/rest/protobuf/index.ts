export {
  decodeEnvelope,
  decodeMessage,
  decodeProtobufBody,
  decodeProtobufObject,
  PROTOBUF_MAGIC,
  PROTOBUF_MEDIA_TYPE,
  type UnknownEnvelope,
} from './decode.js';
export { MESSAGES, TOP_LEVEL_KINDS, type FieldDef, type MessageSchema } from './schema.js';
export { ProtobufError, Reader } from './wire.js';
