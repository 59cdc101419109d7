import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_KEY_ROLES, decideAccess, roleCovers, scopeCovers, validScope, type ApiKeyPrincipal, type ApiKeyRole } from './api-key';
import { generateApiKey, hashApiKey, keyIdOf, matchesHash } from './api-key-secret';

const key = (role: ApiKeyRole, collections: string[]): ApiKeyPrincipal => ({ id: 'k', name: 'k', role, collections });
const role = fc.constantFrom(...API_KEY_ROLES);
const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);

describe('roles and scopes', () => {
  it('orders roles read < write < admin, each covering the weaker ones only', () => {
    expect(roleCovers('read', 'read')).toBe(true);
    expect(roleCovers('read', 'write')).toBe(false);
    expect(roleCovers('write', 'read')).toBe(true);
    expect(roleCovers('write', 'admin')).toBe(false);
    expect(roleCovers('admin', 'write')).toBe(true);
  });

  it('a read key cannot write, a write key cannot administer', () => {
    expect(decideAccess(key('read', ['*']), 'write', 'a')).toMatchObject({ allowed: false });
    expect(decideAccess(key('write', ['*']), 'admin', 'a')).toMatchObject({ allowed: false });
    expect(decideAccess(key('write', ['*']), 'write', 'a')).toEqual({ allowed: true });
  });

  it('a key scoped to collection a cannot touch b, whatever its role', () => {
    fc.assert(
      fc.property(role, role, name, name, (have, need, a, b) => {
        fc.pre(a !== b);
        const decision = decideAccess(key(have, [a]), need, b);
        expect(decision.allowed).toBe(false);
      }),
    );
  });

  it('allows exactly when the role covers and the scope covers (for a named collection)', () => {
    fc.assert(
      fc.property(role, role, fc.array(name, { minLength: 1, maxLength: 4 }), name, fc.boolean(), (have, need, scope, target, all) => {
        const p = key(have, all ? ['*'] : scope);
        expect(decideAccess(p, need, target).allowed).toBe(roleCovers(have, need) && scopeCovers(p, target));
      }),
    );
  });

  it('admin without a collection (keys, cluster) needs an admin key for all collections', () => {
    expect(decideAccess(key('admin', ['a']), 'admin', undefined)).toMatchObject({ allowed: false });
    expect(decideAccess(key('admin', ['*']), 'admin', undefined)).toEqual({ allowed: true });
    // read/write routes without a collection (detect, list collections) need only the role
    expect(decideAccess(key('read', ['a']), 'read', undefined)).toEqual({ allowed: true });
  });

  it('accepts ["*"] or distinct valid names as a scope, and nothing else', () => {
    expect(validScope(['*'])).toBeNull();
    expect(validScope(['faces', 'staff.2024'])).toBeNull();
    expect(validScope([])).toMatch(/non-empty/);
    expect(validScope('*')).toMatch(/array/);
    expect(validScope(['*', 'a'])).toMatch(/alone/);
    expect(validScope(['a', 'a'])).toMatch(/distinct/);
    expect(validScope(['bad name'])).toMatch(/not a collection name/);
  });
});

describe('key secrets', () => {
  it('generates fsk_<id>_<secret> keys whose id parses back and whose hash matches', () => {
    const g = generateApiKey();
    expect(g.secret).toMatch(/^fsk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(keyIdOf(g.secret)).toBe(g.id);
    expect(g.hash).toBe(hashApiKey(g.secret));
    expect(matchesHash(g.secret, g.hash)).toBe(true);
  });

  it('rejects any other secret, including one differing in a single character', () => {
    const g = generateApiKey();
    const last = g.secret.at(-1) === 'A' ? 'B' : 'A';
    expect(matchesHash(g.secret.slice(0, -1) + last, g.hash)).toBe(false);
    expect(matchesHash('', g.hash)).toBe(false);
    expect(matchesHash(g.secret, 'abc')).toBe(false); // a malformed stored hash never matches
    expect(keyIdOf('not-a-key')).toBeNull();
  });
});
