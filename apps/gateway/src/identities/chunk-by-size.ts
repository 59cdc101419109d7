/**
 * Splits one shard's part of a batch into messages that each fit the transport's payload
 * limit (NATS: 1 MiB by default). Sizes are what the items ENCODE to on the wire (msgpack:
 * vectors, ids, attributes, framing), not just their vector bytes: 600 identities with 4 KB
 * of attributes each used to fail whole although each fitted. An item is never split (an
 * identity's faces stay in one message, so one write stays one log record on the shard); an
 * item too large for a message on its own is returned in `oversize`, for the caller to refuse.
 */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes: number): { chunks: T[][]; oversize: T[] } {
  const chunks: T[][] = [];
  const oversize: T[] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (size > maxBytes) {
      oversize.push(item);
      continue;
    }
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversize };
}
