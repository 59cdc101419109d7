import { AsyncResource } from 'node:async_hooks';

const INSTALLED = Symbol.for('faceshard.fastAsyncResourceBind');
type Bind = (this: AsyncResource, fn: (...args: unknown[]) => unknown, thisArg?: unknown) => (...args: unknown[]) => unknown;

/**
 * Fastify reads every request body through `new AsyncResource(...)` and `resource.bind(onDone)`
 * (fastify/lib/content-type-parser.js). On Node 20, this project's runtime, `bind` also defines
 * the deprecated `asyncResource` accessor (DEP0172) with two `util.deprecate` wrappers, and each
 * wrapper is given a prototype with Object.setPrototypeOf: 11-13 µs per bind in a hot loop on
 * this machine (0.8 µs with this one), 5-6% of the gateway's CPU per search in --cpu-prof
 * (`deprecate` + `bind`; bench/cluster/README.md, "The gateway's fixed costs").
 *
 * This replaces AsyncResource.prototype.bind, once per process, with one that behaves the same:
 * the function runs in the resource's async scope (runInAsyncScope) with the caller's `this`, or
 * with `thisArg` when given; the bound function keeps fn's `length`; `asyncResource` is still
 * there (a plain property, without the deprecation warning); anything but a function gets
 * Node's own error. Idempotent.
 */
export function installFastAsyncResourceBind(): void {
  const proto = AsyncResource.prototype as unknown as { bind: Bind; [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  const nodeBind = proto.bind;
  proto.bind = function bind(this: AsyncResource, fn, thisArg) {
    if (typeof fn !== 'function') return nodeBind.call(this, fn, thisArg);
    const resource = this;
    const bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return resource.runInAsyncScope(fn, this, ...args);
          }
        : resource.runInAsyncScope.bind(resource, fn, thisArg);
    Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
    (bound as { asyncResource?: AsyncResource }).asyncResource = resource;
    return bound;
  };
  proto[INSTALLED] = true;
}
