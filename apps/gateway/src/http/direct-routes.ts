import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

/**
 * A route Fastify answers with a handler of ours instead of Nest's per-request machinery (router
 * proxy, guard, pipes, exception filter, response handling: ~80-100 µs of CPU per request, cold).
 * Only for the hot path (search). The route stays declared by its Nest controller, so the
 * OpenAPI document, the route list, body limits and every Fastify hook (request id, access log,
 * metrics, tracing, JSON depth) are those of any other route; the handler must do what Nest
 * did for it: the access check, and errors through sendHttpError (common/http-error.filter.ts).
 */
export interface DirectRouteHandler {
  handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

/** Names the direct handler that serves this controller method's route (see installDirectRoutes). */
export const DirectRoute = (name: string) => RouteConfig({ directRoute: name });

/**
 * Before Nest registers its routes: a route marked @DirectRoute(name) gets handlers.get(name) as
 * its Fastify handler. Nest's route wrapper for parameterised paths sent a request with an empty
 * path parameter ("/v1/collections//search") to the not-found handler; so does this one.
 * A marked route without a handler fails the start.
 */
export function installDirectRoutes(fastify: FastifyInstance, handlers: ReadonlyMap<string, DirectRouteHandler>): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const name = (route.config as { directRoute?: string } | undefined)?.directRoute;
    if (name === undefined) return;
    const direct = handlers.get(name);
    if (!direct) throw new Error(`route ${String(route.method)} ${route.url} is marked @DirectRoute('${name}') but no handler of that name was given`);
    route.handler = function directRoute(request: FastifyRequest, reply: FastifyReply) {
      if (hasEmptyParam(request.params)) return reply.callNotFound();
      return direct.handle(request, reply);
    };
  });
}

function hasEmptyParam(params: unknown): boolean {
  for (const name in params as Record<string, string>) {
    if ((params as Record<string, string>)[name] === '' && name !== '*') return true;
  }
  return false;
}
