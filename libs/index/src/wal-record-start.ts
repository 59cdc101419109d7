/**
 * Replay must tell a torn tail (a record cut short at the very end: never acknowledged) from a
 * damaged record followed by acknowledged ones. To find records after a damaged spot it tries
 * every byte offset; checking a CRC at each would be quadratic, so it first asks this cheap test
 * of the record body, which every record passes by construction (append() asserts it):
 * a msgpack map whose first key is "l" (the LSN). Random bytes pass it about once in a million.
 */
const KEY_L = [0xa1, 0x6c]; // fixstr of length 1, "l"

/** Bytes a body needs for the test to pass at all (map16/map32 bodies are long enough to probe further). */
export const RECORD_START_PROBE_BYTES = 3;

export function looksLikeRecordStart(bytes: Uint8Array, at = 0): boolean {
  const marker = bytes[at];
  let key: number;
  if (marker >= 0x80 && marker <= 0x8f) key = at + 1; // fixmap
  else if (marker === 0xde) key = at + 3; // map16
  else if (marker === 0xdf) key = at + 5; // map32
  else return false;
  return bytes[key] === KEY_L[0] && bytes[key + 1] === KEY_L[1];
}

export function assertRecordStart(body: Uint8Array): void {
  if (!looksLikeRecordStart(body)) {
    throw new Error('log record encoding must start with its "l" (lsn) key: wal-replay relies on it to tell damage from a torn tail');
  }
}
