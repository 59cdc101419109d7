import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptRequestId, REQUEST_ID_HEADER, runInRequestScope } from '@faceshard/observability';

/** Fastify's request.id is the request id: the caller's x-request-id when plausible, else a new UUID. */
export function requestIdOptions() {
  return {
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => acceptRequestId(req.headers[REQUEST_ID_HEADER]),
  };
}

/**
 * Echoes the request id in the response and runs the rest of the request inside its scope, so
 * log lines and shard requests (NATS header) carry it. Entered twice: at onRequest, and again
 * at preValidation, because body parsing resumes from socket events that lost the scope.
 */
export function installRequestScope(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    enter(request, done);
  });
  fastify.addHook('preValidation', (request, _reply, done) => enter(request, done));
}

function enter(request: FastifyRequest, done: () => void): void {
  runInRequestScope({ requestId: String(request.id) }, done);
}
