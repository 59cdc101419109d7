import type { FastifyInstance } from 'fastify';
import { FaceshardError } from '@faceshard/contracts';
import { sendHttpError } from '../common/http-error.filter';

/** What a gateway that is shutting down answers each new request, and how it learns it is. */
export interface ShutdownAnswer {
  /** From now on every new request gets 503 NOT_READY (retryable) with Connection: close. */
  begin(): void;
}

/**
 * While the gateway shuts down (SIGTERM: Nest's close hooks, then Fastify's close), requests that
 * still arrive on open connections get the API's error shape: 503 NOT_READY, retryable, with
 * Retry-After and Connection: close, so a client or load balancer sends them elsewhere. Fastify's
 * own answer for this (return503OnClosing, switched off in gatewayFastifyOptions) is a bare
 * `{"error":"Service Unavailable",...}` without a code, and only from its own close on. Requests
 * already running finish as usual.
 */
export function installShutdownAnswer(fastify: FastifyInstance): ShutdownAnswer {
  let closing = false;
  const ignoreLog = { error: () => undefined };
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply.header('connection', 'close');
    sendHttpError(reply, new FaceshardError('NOT_READY', 'the gateway is shutting down: send the request again (to another gateway, or once this one has restarted)'), ignoreLog);
  });
  return {
    begin() {
      closing = true;
    },
  };
}
