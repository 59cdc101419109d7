import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secret keys look like `fsk_<16 hex id>_<43 base64url chars>`: 256 random bits after a public
 * id. The id lets the gateway find the one stored hash to compare against, so checking a key
 * costs one sha256 and one constant-time compare, however many keys exist.
 *
 * Why sha256 and not bcrypt/argon2: slow hashes protect low-entropy secrets (passwords) from
 * offline guessing. A 256-bit random key cannot be guessed at any hash speed, so a slow hash
 * would add nothing but ~50-100 ms of CPU on the event loop for every request — a denial of
 * service lever. The configured admin key is the one human-chosen secret; it must be long.
 */
const KEY_PATTERN = /^fsk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const MIN_CONFIGURED_KEY_LENGTH = 32;

export interface GeneratedKey {
  id: string;
  secret: string;
  hash: string;
}

export function generateApiKey(): GeneratedKey {
  const id = randomBytes(8).toString('hex');
  const secret = `fsk_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, secret, hash: hashApiKey(secret) };
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The id inside a generated key, or null for anything else (such as a configured key). */
export function keyIdOf(secret: string): string | null {
  return KEY_PATTERN.exec(secret)?.[1] ?? null;
}

/** Constant-time: how long it takes says nothing about how much of the hash matched. */
export function matchesHash(secret: string, expectedHexHash: string): boolean {
  const actual = Buffer.from(hashApiKey(secret), 'hex');
  const expected = Buffer.from(expectedHexHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
