import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { hashApiKey, type StoredApiKey } from '@faceshard/access';
import { AccessGuard, presentedKey } from './access.guard';
import { AccessService } from './access.service';
import { Public, RequiresRole } from './requires-role.decorator';

class Routes {
  @RequiresRole('read') read() {}
  @RequiresRole('admin', { collectionBodyField: 'name' }) create() {}
  @Public() health() {}
  undecorated() {}
}

const READER = 'fsk_00000000000000aa_' + 'r'.repeat(43);
const ADMIN = 'fsk_00000000000000bb_' + 'a'.repeat(43);
const stored = (id: string, secret: string, role: StoredApiKey['role'], collections: string[]): StoredApiKey => ({
  id, name: id, role, collections, hash: hashApiKey(secret), created: '2026-01-01T00:00:00.000Z',
});

async function guard(auth: 'on' | 'off') {
  const keys = [stored('00000000000000aa', READER, 'read', ['alpha']), stored('00000000000000bb', ADMIN, 'admin', ['*'])];
  const repo = {
    watch: async (l: (c: { id: string; key: StoredApiKey }) => void) => (keys.forEach((key) => l({ id: key.id, key })), () => undefined),
    touch: async () => undefined,
  };
  const { access } = await AccessService.start(repo as never, { auth });
  return new AccessGuard(new Reflector(), access);
}

function context(handler: keyof Routes, request: { headers?: Record<string, string>; params?: object; body?: unknown }) {
  const req = { headers: {}, params: {}, ...request };
  const reply = { header: () => reply };
  return {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => reply }),
  } as never;
}

const outcome = (fn: () => unknown) => {
  try {
    return fn() ? 'allowed' : 'denied';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('AccessGuard', () => {
  it('treats a route without @RequiresRole or @Public as admin-only', async () => {
    const g = await guard('on');
    expect(outcome(() => g.canActivate(context('undecorated', { headers: { 'x-api-key': READER } })))).toBe('FORBIDDEN');
    expect(outcome(() => g.canActivate(context('undecorated', { headers: { 'x-api-key': ADMIN } })))).toBe('allowed');
  });

  it('lets anyone through @Public routes, and everyone through anything when auth is off', async () => {
    const on = await guard('on');
    expect(outcome(() => on.canActivate(context('health', {})))).toBe('allowed');
    expect(outcome(() => on.canActivate(context('read', {})))).toBe('UNAUTHORIZED');
    const open = await guard('off');
    expect(outcome(() => open.canActivate(context('undecorated', {})))).toBe('allowed');
  });

  it('takes the collection from the route param, else from the body field', async () => {
    const g = await guard('on');
    const h = { 'x-api-key': READER };
    expect(outcome(() => g.canActivate(context('read', { headers: h, params: { collection: 'alpha' } })))).toBe('allowed');
    expect(outcome(() => g.canActivate(context('read', { headers: h, params: { c: 'beta' } })))).toBe('FORBIDDEN');
    expect(outcome(() => g.canActivate(context('read', { headers: h, params: { name: 'beta' } })))).toBe('FORBIDDEN');
    expect(outcome(() => g.canActivate(context('read', { headers: h, body: { collection: 'beta' } })))).toBe('FORBIDDEN');
    expect(outcome(() => g.canActivate(context('read', { headers: h, body: { collection: { value: 'beta' } } })))).toBe('FORBIDDEN');
    expect(outcome(() => g.canActivate(context('read', { headers: h, body: { collection: 'alpha' } })))).toBe('allowed');
  });

  it('reads the key from X-Api-Key or Authorization: Bearer, nothing else', () => {
    expect(presentedKey({ 'x-api-key': ' k1 ' })).toBe('k1');
    expect(presentedKey({ authorization: 'Bearer k2' })).toBe('k2');
    expect(presentedKey({ authorization: 'bearer   k3' })).toBe('k3');
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });
});
