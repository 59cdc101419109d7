import { crc32 } from 'node:zlib';

/**
 * One framed record: [u32 LE body length][u32 LE CRC32 of (length bytes + body)][body].
 * The CRC covers the length too, so a torn or flipped length is caught, not just a bad body.
 * Used for log records and for snapshot metadata files alike.
 */
export const FRAME_HEADER_BYTES = 8;
/** Sanity bound: a length beyond this is garbage, not a record. */
export const MAX_FRAME_BODY_BYTES = 1 << 30;

export function frameChecksum(lengthBytes: Uint8Array, body: Uint8Array): number {
  return crc32(body, crc32(lengthBytes));
}

export function encodeFrame(body: Uint8Array): Buffer {
  if (body.length === 0 || body.length > MAX_FRAME_BODY_BYTES) throw new Error(`frame body of ${body.length} bytes is out of range`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32LE(body.length, 0);
  frame.set(body, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(frameChecksum(frame.subarray(0, 4), body), 4);
  return frame;
}

export type FrameHeader = { bodyLength: number; checksum: number };

/** null when the header cannot start a valid frame (zero fill or absurd length). */
export function parseFrameHeader(header: Uint8Array): FrameHeader | null {
  const view = Buffer.from(header.buffer, header.byteOffset, FRAME_HEADER_BYTES);
  const bodyLength = view.readUInt32LE(0);
  if (bodyLength === 0 || bodyLength > MAX_FRAME_BODY_BYTES) return null;
  return { bodyLength, checksum: view.readUInt32LE(4) };
}

export type FrameRead =
  | { kind: 'ok'; body: Buffer; next: number }
  | { kind: 'end' }
  /** Incomplete or failing CRC: a write that never finished, or damage. */
  | { kind: 'bad'; reason: string };

/** Reads the frame starting at `offset` of an in-memory buffer. */
export function readFrameAt(buffer: Buffer, offset: number): FrameRead {
  if (offset === buffer.length) return { kind: 'end' };
  if (buffer.length - offset < FRAME_HEADER_BYTES) return { kind: 'bad', reason: 'truncated header' };
  const header = parseFrameHeader(buffer.subarray(offset, offset + FRAME_HEADER_BYTES));
  if (!header) return { kind: 'bad', reason: 'invalid length' };
  const bodyStart = offset + FRAME_HEADER_BYTES;
  const bodyEnd = bodyStart + header.bodyLength;
  if (bodyEnd > buffer.length) return { kind: 'bad', reason: 'truncated body' };
  const body = buffer.subarray(bodyStart, bodyEnd);
  if (frameChecksum(buffer.subarray(offset, offset + 4), body) !== header.checksum) return { kind: 'bad', reason: 'checksum mismatch' };
  return { kind: 'ok', body, next: bodyEnd };
}
