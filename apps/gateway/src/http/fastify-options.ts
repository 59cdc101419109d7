import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { NAME_PATTERN } from '@faceshard/contracts';
import type { GatewayConfig } from '../config/gateway-config';
import { clientErrorResponse, fastifyErrorBody } from './fastify-errors';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth';
import { requestIdOptions } from './request-scope';

/**
 * Longest raw path parameter the router accepts. Ids are up to 128 characters (NAME_PATTERN);
 * a client may percent-encode every one of them (":" as %3A), so 3 x 128 must fit. Longer
 * parameters get 400 INVALID_ID in the API's shape; between 129 and this many characters the
 * id check itself explains what is wrong. (Fastify's default, 100, made ids of 101-128
 * characters unreachable by URL.)
 */
export const MAX_PARAM_LENGTH = 3 * 128;
const longestId = Number(/\{0,(\d+)\}/.exec(NAME_PATTERN.source)?.[1]) + 1;
if (!(MAX_PARAM_LENGTH >= 3 * longestId)) throw new Error(`MAX_PARAM_LENGTH ${MAX_PARAM_LENGTH} does not fit ${longestId}-character ids`);

/** Which body limit a route has; the bytes come from the configuration (see BodyLimits). */
export type BodyLimitKind = keyof GatewayConfig['bodyLimits'];

/**
 * Marks a route with a body limit other than the default. Fastify refuses a body over it with
 * 413 before reading it when Content-Length says so, or as soon as it has read that much.
 */
export const BodyLimit = (kind: BodyLimitKind) => RouteConfig({ bodyLimitKind: kind });

export function gatewayFastifyOptions(config: Pick<GatewayConfig, 'bodyLimits'>): FastifyServerOptions {
  return {
    bodyLimit: config.bodyLimits.default,
    ...requestIdOptions(),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // A shutting-down gateway answers in the API's shape (installShutdownAnswer), not Fastify's bare 503.
    return503OnClosing: false,
    frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => {
      const [status, body] = fastifyErrorBody(error) ?? [400, { code: 'VALIDATION_FAILED', message: error.message, retryable: false }];
      void reply.status(status).send(body);
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, body] = clientErrorResponse(error);
      const text = JSON.stringify(body);
      if (!socket.writable) {
        socket.destroy(error);
        return;
      }
      answerAndLinger(socket, `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${text}`);
    },
  } as FastifyServerOptions;
}

/** Longest a connection refused at the HTTP parser stays open to read what its client still sends. */
const LINGER_MS = 2_000;

/**
 * Answers a connection whose request the HTTP parser refused (a bad Content-Length, headers over
 * the limit) and closes it the way nginx's lingering close does: the answer and a FIN go out, and
 * what the client still sends is read and dropped until it closes its side, LINGER_MS pass or
 * DRAIN_REFUSED_BODY_MAX bytes came. Destroying the socket at once, with the rest of the request
 * unread, makes the kernel send a reset, and a client that had not read the answer yet loses it
 * (ECONNRESET instead of the 400/431: a CI flake of the bad-input corpus, and 97 of 100 refusals
 * followed by 4 MB of body). The HTTP parser stops reading this socket first, so it does not meet
 * the same bytes again.
 */
export function answerAndLinger(socket: Socket, answer: string): void {
  for (const listener of socket.listeners('data')) socket.off('data', listener as (chunk: Buffer) => void);
  let drained = 0;
  socket.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_REFUSED_BODY_MAX) socket.destroy();
  });
  socket.once('end', () => socket.destroy());
  socket.setTimeout(0);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.end(answer);
  socket.resume();
}

/**
 * Largest body, by its Content-Length, that the gateway still reads and throws away after refusing
 * it with 413 (nginx's "lingering close"). Fastify refuses a declared oversize body before reading
 * it and closes the connection; a client still sending that body then meets a reset (EPIPE,
 * ECONNRESET) instead of reading the 413. Draining keeps the answer readable and the connection
 * usable, at the cost of reading bytes nobody keeps; beyond this the connection is closed as before.
 */
export const DRAIN_REFUSED_BODY_MAX = 64 * 1024 * 1024;

/** Whether a 413 for this request may drain the body and keep the connection. Pure. */
export function drainsRefusedBody(declaredLength: number, routeLimit: number, bodyRead: boolean): boolean {
  // Only a body refused unread, by its declared length (Node then reads it off the wire itself);
  // one refused midway (chunked, or a parser that stopped reading) keeps Fastify's close.
  return !bodyRead && Number.isFinite(declaredLength) && declaredLength > routeLimit && declaredLength <= DRAIN_REFUSED_BODY_MAX;
}

/**
 * Before Nest registers its routes: turn each route's BodyLimit kind into Fastify's per-route
 * bodyLimit, and accept only JSON bodies on the API (Fastify's text/plain parser would hand a
 * string to handlers that expect an object).
 */
export function installEdgeLimits(fastify: FastifyInstance, config: Pick<GatewayConfig, 'bodyLimits'>): void {
  fastify.addHook('onRoute', (route) => {
    const kind = (route.config as { bodyLimitKind?: BodyLimitKind } | undefined)?.bodyLimitKind;
    if (kind) route.bodyLimit = config.bodyLimits[kind];
  });
  fastify.removeContentTypeParser('text/plain');
  // A body refused by its Content-Length is drained rather than cut off (DRAIN_REFUSED_BODY_MAX).
  // Callback style, not async: it runs on every response, the search hot path included, and an
  // async hook would cost a promise (and the request scope's async hook) per request.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode === 413 && reply.getHeader('connection') === 'close') {
      const limit = request.routeOptions.bodyLimit ?? config.bodyLimits.default;
      if (drainsRefusedBody(Number(request.headers['content-length']), limit, request.raw.readableDidRead)) reply.removeHeader('connection');
    }
    done(null, payload);
  });
  // After parsing, before Nest's pipes walk the body recursively.
  fastify.addHook('preValidation', async (request, reply) => {
    if (request.body !== undefined && jsonDepthExceeds(request.body, MAX_JSON_DEPTH)) {
      await reply
        .status(400)
        .send({ code: 'VALIDATION_FAILED', message: `the body is nested deeper than ${MAX_JSON_DEPTH} levels`, retryable: false, details: { maxDepth: MAX_JSON_DEPTH } });
    }
  });
}
