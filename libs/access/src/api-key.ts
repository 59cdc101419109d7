import { NAME_PATTERN } from '@faceshard/contracts';

/**
 * Roles, weakest first. Each includes the ones before it:
 * - read: identify, verify, detect, search, get
 * - write: enroll, upsert, delete identities and faces
 * - admin: keys, collections, cluster administration
 */
export const API_KEY_ROLES = ['read', 'write', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** The collection scope meaning "every collection, present and future". */
export const ALL_COLLECTIONS = '*';

/** An API key as the cluster metadata stores it: never the secret, only its hash. */
export interface StoredApiKey {
  id: string;
  name: string;
  role: ApiKeyRole;
  /** Collection names, or exactly [ALL_COLLECTIONS]. */
  collections: string[];
  /** Hex sha256 of the whole secret key string. */
  hash: string;
  /** ISO 8601. */
  created: string;
  /** ISO 8601; refreshed at most once a minute per key and gateway (see AccessService). */
  lastUsed?: string;
}

/** What GET /v1/keys shows of a key: everything but the hash. */
export type ApiKeyView = Omit<StoredApiKey, 'hash'>;

/** Who is calling: a stored key, or the admin key from configuration. */
export interface ApiKeyPrincipal {
  id: string;
  name: string;
  role: ApiKeyRole;
  collections: string[];
}

export function viewOf(key: StoredApiKey): ApiKeyView {
  const { hash: _hash, ...view } = key;
  return view;
}

export function roleCovers(have: ApiKeyRole, need: ApiKeyRole): boolean {
  return API_KEY_ROLES.indexOf(have) >= API_KEY_ROLES.indexOf(need);
}

export function coversAllCollections(principal: Pick<ApiKeyPrincipal, 'collections'>): boolean {
  return principal.collections.includes(ALL_COLLECTIONS);
}

export function scopeCovers(principal: Pick<ApiKeyPrincipal, 'collections'>, collection: string): boolean {
  return coversAllCollections(principal) || principal.collections.includes(collection);
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * The whole authorisation rule, apart from I/O. A route names the role it needs and, when it
 * acts on one collection, that collection. A route that needs admin and names no collection
 * (keys, cluster administration) needs a key scoped to every collection: an admin key scoped
 * to one collection must not mint itself a key for all of them.
 */
export function decideAccess(principal: ApiKeyPrincipal, need: ApiKeyRole, collection: string | undefined): AccessDecision {
  if (!roleCovers(principal.role, need)) {
    return { allowed: false, reason: `API key "${principal.name}" has role ${principal.role}; this needs ${need}` };
  }
  if (collection !== undefined && !scopeCovers(principal, collection)) {
    return { allowed: false, reason: `API key "${principal.name}" is not scoped to collection "${collection}"` };
  }
  if (collection === undefined && need === 'admin' && !coversAllCollections(principal)) {
    return { allowed: false, reason: `API key "${principal.name}" is scoped to some collections; this needs an admin key for all collections ("*")` };
  }
  return { allowed: true };
}

/** Checks a requested scope: exactly ["*"], or 1..1000 distinct valid collection names. */
export function validScope(collections: unknown): string | null {
  if (!Array.isArray(collections) || collections.length === 0) return 'collections must be a non-empty array';
  if (collections.includes(ALL_COLLECTIONS)) return collections.length === 1 ? null : 'collections: "*" (all) stands alone';
  if (collections.length > 1000) return 'collections: at most 1000 names';
  for (const name of collections) {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) return `collections: ${JSON.stringify(name)} is not a collection name`;
  }
  if (new Set(collections).size !== collections.length) return 'collections: names must be distinct';
  return null;
}
