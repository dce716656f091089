/** A compact SPDY/3.1 implementation: framing, header compression, sessions and streams. */
export * from './frames.js';
export { SPDY_DICTIONARY, HeaderCompressor, HeaderDecompressor } from './compression.js';
export * from './session.js';
