import { FaceshardError, NAME_PATTERN } from '@faceshard/contracts';

/** Collection names and identity ids end up in NATS subjects, KV keys and file names. */
export function checkName(kind: 'collection' | 'identity' | 'face', value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new FaceshardError(
      'INVALID_ID',
      `${kind} id must be 1-128 characters of letters, digits, "_", ".", ":" or "-", starting with a letter or digit; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
