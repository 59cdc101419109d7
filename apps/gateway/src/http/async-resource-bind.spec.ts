import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { installFastAsyncResourceBind } from './async-resource-bind';

describe('installFastAsyncResourceBind', () => {
  installFastAsyncResourceBind();
  const als = new AsyncLocalStorage<string>();

  it('runs the bound function in the async scope the resource was made in, not the caller\'s', () => {
    const bound = als.run('made', () => new AsyncResource('test').bind(() => als.getStore()));
    expect(als.run('caller', bound)).toBe('made');
  });

  it('passes the caller\'s this and arguments, or thisArg when given, and returns the result', () => {
    const resource = new AsyncResource('test');
    const f = function (this: unknown, a: unknown, b: unknown) {
      return [this, a, b];
    };
    const owner = { m: resource.bind(f) };
    expect(owner.m(1, 2)).toEqual([owner, 1, 2]);
    // Node's typings omit bind's thisArg, which Node takes (and Fastify does not use).
    const bindWithThis = resource.bind as unknown as (fn: unknown, thisArg: unknown) => (...args: unknown[]) => unknown;
    expect(bindWithThis.call(resource, f, 'T')(3, 4)).toEqual(['T', 3, 4]);
  });

  it('keeps fn\'s length and an asyncResource property naming the resource, with no deprecation warning', () => {
    const resource = new AsyncResource('test');
    const bound = resource.bind((_a: unknown, _b: unknown, _c: unknown) => 0) as ((...args: unknown[]) => unknown) & { asyncResource: AsyncResource };
    expect(bound.length).toBe(3);
    expect(bound.asyncResource).toBe(resource);
    expect(Object.getOwnPropertyDescriptor(bound, 'asyncResource')).toMatchObject({ value: resource, enumerable: true });
  });

  it('refuses what is not a function with Node\'s own error, and installs once', () => {
    expect(() => new AsyncResource('test').bind(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const installed = AsyncResource.prototype.bind;
    installFastAsyncResourceBind();
    expect(AsyncResource.prototype.bind).toBe(installed);
    expect(AsyncResource.bind(() => 1)()).toBe(1);
  });
});
