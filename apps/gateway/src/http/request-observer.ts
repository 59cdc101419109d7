import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { HttpMetricsRecorder } from '@faceshard/observability';
import { accessLogLevel, DEFAULT_ACCESS_LOG_POLICY, type AccessLogPolicy } from './access-log-policy';

/**
 * One metrics sample per answered request, and an access-log line for those the policy picks
 * (errors, slow requests, a sample: see access-log-policy.ts). The route is Fastify's template
 * (`/v1/collections/:name/search`), never the raw URL (ids would make label values unbounded);
 * a request no route matched is `unmatched`. No headers or bodies are logged.
 */
export function installRequestObserver(
  fastify: FastifyInstance,
  log: Logger,
  http: HttpMetricsRecorder | undefined,
  policy: AccessLogPolicy = DEFAULT_ACCESS_LOG_POLICY,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    http?.record(request.method, route, status, ms / 1000);
    const level = accessLogLevel(policy, route, status, ms, Math.random);
    if (log.isLevelEnabled(level)) {
      log[level]({ requestId: request.id, method: request.method, route, status, ms: Math.round(ms * 1000) / 1000 }, 'request');
    }
    done();
  });
}
