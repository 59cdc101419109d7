import { FaceshardError } from '@faceshard/contracts';
import { API_KEY_ROLES, validScope, type StoredApiKey } from './api-key';

/** A stored key read back from disk or KV: checked, so a corrupt record fails loudly, not open. */
export function parseStoredKey(raw: unknown): StoredApiKey {
  const k = raw as Partial<StoredApiKey> | null;
  const ok =
    !!k &&
    typeof k.id === 'string' &&
    typeof k.name === 'string' &&
    (API_KEY_ROLES as readonly unknown[]).includes(k.role) &&
    validScope(k.collections) === null &&
    typeof k.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(k.hash) &&
    typeof k.created === 'string' &&
    (k.lastUsed === undefined || typeof k.lastUsed === 'string');
  if (!ok) throw new FaceshardError('INTERNAL', `stored API key record is malformed: ${JSON.stringify({ ...k, hash: k?.hash ? '…' : k?.hash })}`);
  const { id, name, role, collections, hash, created, lastUsed } = k as StoredApiKey;
  return { id, name, role, collections: [...collections], hash, created, ...(lastUsed ? { lastUsed } : {}) };
}
