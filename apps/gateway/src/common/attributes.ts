import { FaceshardError } from '@faceshard/contracts';

/**
 * An identity's attributes travel with every search hit that names it, so their size bounds
 * the size of a shard's reply (k hits x attributes): see SearchService's k limit.
 */
export function checkAttributes(attributes: unknown, maxBytes: number, where: string): void {
  if (attributes === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(attributes));
  if (bytes > maxBytes) {
    throw new FaceshardError('ATTRIBUTES_TOO_LARGE', `${where}: attributes are ${bytes} bytes as JSON, at most ${maxBytes} are allowed`, {
      bytes,
      maxBytes,
    });
  }
}
