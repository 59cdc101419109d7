import fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { installDirectRoutes, type DirectRouteHandler } from './direct-routes';

/** What Nest's adapter registers for a controller method: a route with its RouteConfig as config. */
const nestLikeHandler = async () => ({ from: 'nest' });

function serverWith(handlers: Map<string, DirectRouteHandler>) {
  const app = fastify();
  installDirectRoutes(app, handlers);
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ code: 'NOT_FOUND' }));
  return app;
}

const echo: DirectRouteHandler = {
  async handle(request: FastifyRequest, reply: FastifyReply) {
    return reply.status(200).send({ from: 'direct', params: request.params });
  },
};

describe('installDirectRoutes', () => {
  it('serves a route marked with a direct handler name by that handler, others by their own', async () => {
    const app = serverWith(new Map([['search', echo]]));
    app.route({ method: 'POST', url: '/v1/collections/:collection/search', handler: nestLikeHandler, config: { directRoute: 'search' } });
    app.route({ method: 'POST', url: '/v1/collections', handler: nestLikeHandler });
    const marked = await app.inject({ method: 'POST', url: '/v1/collections/alpha/search' });
    expect(marked.json()).toEqual({ from: 'direct', params: { collection: 'alpha' } });
    expect((await app.inject({ method: 'POST', url: '/v1/collections' })).json()).toEqual({ from: 'nest' });
  });

  it('sends a request with an empty path parameter to the not-found handler, as Nest did', async () => {
    const app = serverWith(new Map([['search', echo]]));
    app.route({ method: 'POST', url: '/v1/collections/:collection/search', handler: nestLikeHandler, config: { directRoute: 'search' } });
    const res = await app.inject({ method: 'POST', url: '/v1/collections//search' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'NOT_FOUND' });
  });

  it('refuses to register a marked route whose handler was not given', () => {
    const app = serverWith(new Map());
    expect(() => app.route({ method: 'POST', url: '/x/:id', handler: nestLikeHandler, config: { directRoute: 'search' } })).toThrow(/no handler of that name/);
  });
});
