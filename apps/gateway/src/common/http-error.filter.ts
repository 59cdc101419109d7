import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ErrorBody, FaceshardError, isDiskFullError } from '@faceshard/contracts';
import { fastifyErrorBody } from '../http/fastify-errors';

/** Every error leaves the gateway as {code, message, retryable, details?} with a fitting status. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    sendHttpError(host.switchToHttp().getResponse<FastifyReply>(), exception, this.logger);
  }
}

/**
 * Answers a request with the error in the API's shape and status (and Retry-After where it
 * applies); unexpected 5xx are logged. The filter's work, also called by routes served outside
 * Nest's pipeline (the search route), so both answer an error byte for byte alike.
 */
export function sendHttpError(reply: FastifyReply, exception: unknown, logger: Pick<Logger, 'error'>): void {
  const [status, body] = toHttpError(exception);
  if (status >= 500 && status !== 503 && status !== 504) logger.error(exception);
  const retryAfter = retryAfterSeconds(status, body);
  if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
  void reply.status(status).send(body);
}

/**
 * Retry-After (whole seconds) on retryable 429 and 503 answers: the refuser's own estimate
 * (details.retryAfterS from the face pipeline, details.retryAfterMs from a busy shard), otherwise one second.
 */
export function retryAfterSeconds(status: number, body: ErrorBody): number | undefined {
  if (!body.retryable || (status !== 429 && status !== 503)) return undefined;
  const seconds = body.details?.retryAfterS;
  if (typeof seconds === 'number' && seconds > 0) return Math.ceil(seconds);
  const ms = body.details?.retryAfterMs;
  return typeof ms === 'number' && ms > 0 ? Math.ceil(ms / 1000) : 1;
}

/** Codes for Nest's own HttpExceptions (its router's 404, a guard's 403...) by status. */
const HTTP_STATUS_CODES: Record<number, string> = { 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' };

export function toHttpError(exception: unknown): [number, ErrorBody] {
  if (exception instanceof FaceshardError) return [exception.status, exception.toJSON()];
  const fromFastify = fastifyErrorBody(exception);
  if (fromFastify) return fromFastify;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const messages = typeof response === 'object' && response && 'message' in response ? (response as { message: unknown }).message : response;
    const message = Array.isArray(messages) ? messages.join('; ') : String(messages);
    const code = HTTP_STATUS_CODES[status] ?? (status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL');
    return [status, { code, message, retryable: false, ...(Array.isArray(messages) ? { details: { errors: messages } } : {}) }];
  }
  // Any other error with a 4xx statusCode (a plugin's, a parser's).
  const statusCode = (exception as { statusCode?: number })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED';
    return [statusCode, { code, message: String((exception as Error).message), retryable: false }];
  }
  // A full disk under this process (the embedded metadata file, the key store): the answer says so.
  if (isDiskFullError(exception)) {
    const osCode = (exception as { code: string }).code;
    return [507, { code: 'STORAGE_FULL', message: `the disk is full (${String((exception as Error).message)}): the change was not made; free disk space and retry`, retryable: true, details: { osCode } }];
  }
  return [500, { code: 'INTERNAL', message: 'internal error', retryable: false }];
}
