import { Packr } from 'msgpackr';

/**
 * The one wire codec for gateway <-> shard messages, shared by the NATS and in-process
 * transports so both behave byte for byte alike.
 *
 * - moreTypes: typed arrays travel as a msgpack extension holding their raw bytes, and decode
 *   as the same typed array (a 128-D Float32Array costs 512 bytes + a few of framing). Without
 *   it msgpackr would still write the bytes but decode them as a Buffer.
 * - useRecords: false: plain msgpack maps, no record-structure state shared between encoder
 *   and decoder, so any process (or any msgpack decoder) can read any message on its own.
 * Decoded typed arrays own fresh memory: nothing aliases the sender's buffers.
 */
const packr = new Packr({ useRecords: false, moreTypes: true });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
