import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { HttpMetricsRecorder } from '@faceshard/observability';

/** Probes and scrapes: frequent, uninteresting one by one; logged at debug only. */
const QUIET_ROUTES = new Set(['/metrics', '/health', '/health/live', '/health/ready']);

/**
 * One access-log line and one metrics sample per answered request. The route is Fastify's
 * template (`/v1/collections/:name/search`), never the raw URL (ids would make label values
 * unbounded); a request no route matched is `unmatched`. No headers or bodies are logged.
 */
export function installRequestObserver(fastify: FastifyInstance, log: Logger, http: HttpMetricsRecorder | undefined): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    http?.record(request.method, route, status, ms / 1000);
    const level = status >= 500 ? 'warn' : QUIET_ROUTES.has(route) ? 'debug' : 'info';
    if (log.isLevelEnabled(level)) {
      log[level]({ requestId: request.id, method: request.method, route, status, ms: Math.round(ms * 1000) / 1000 }, 'request');
    }
    done();
  });
}
