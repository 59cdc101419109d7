import { errorCodes } from 'fastify';
import type { ErrorBody } from '@faceshard/contracts';

/**
 * Errors Fastify raises before a request reaches a controller (router, content-type parsers,
 * body limits) carry a `FST_ERR_*` code and a statusCode. Each becomes the API's
 * {code, message, retryable} error here, so a client never sees Fastify's own body shape.
 * Pure: unit-tested without a server.
 */
const BY_FASTIFY_CODE: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_BAD_URL: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 400, code: 'INVALID_ID' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'VALIDATION_FAILED' },
};

/**
 * Nest hands errors raised in Fastify's body parsing to its filters as HttpException(message,
 * status), dropping the FST_ERR code; they are recognised by Fastify's own message for them
 * (taken from Fastify's error classes, so a Fastify upgrade cannot silently break this).
 * A body with "__proto__" or "constructor.prototype" keys is refused by the same parser error.
 */
const CODE_BY_PARSER_MESSAGE = new Map(
  (['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY'] as const).map((code) => [new errorCodes[code]().message, code]),
);

export function fastifyErrorBody(error: unknown): [number, ErrorBody] | null {
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown; getStatus?: () => number } | null;
  if (!e || typeof e !== 'object') return null;
  const message = typeof e.message === 'string' ? e.message : '';
  const parserCode = CODE_BY_PARSER_MESSAGE.get(message);
  if (parserCode && (e.getStatus?.() ?? e.statusCode) === 400) {
    const { status, code } = BY_FASTIFY_CODE[parserCode];
    return [status, { code, message: `${message} (a body with "__proto__" or "constructor.prototype" keys is refused the same way)`, retryable: false }];
  }
  const known = typeof e.code === 'string' ? BY_FASTIFY_CODE[e.code] : undefined;
  if (known) return [known.status, { code: known.code, message: known.message ?? message, retryable: false }];
  if (typeof e.code === 'string' && e.code.startsWith('FST_') && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return [e.statusCode, { code: e.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED', message, retryable: false }];
  }
  return null;
}

/** Node's HTTP parser errors (before Fastify has a request): status and body, in the API's shape. */
export function clientErrorResponse(error: { code?: string }): [number, ErrorBody] {
  if (error.code === 'HPE_HEADER_OVERFLOW') return [431, { code: 'PAYLOAD_TOO_LARGE', message: 'request headers are too large', retryable: false }];
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, { code: 'REQUEST_TIMEOUT', message: 'the request was not received in time', retryable: true }];
  return [400, { code: 'VALIDATION_FAILED', message: 'malformed HTTP request', retryable: false }];
}
