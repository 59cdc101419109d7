import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ErrorBody, FaceshardError } from '@faceshard/contracts';

/** Every error leaves the gateway as {code, message, retryable, details?} with a fitting status. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = toHttpError(exception);
    if (status >= 500 && status !== 503 && status !== 504) this.logger.error(exception);
    void reply.status(status).send(body);
  }
}

export function toHttpError(exception: unknown): [number, ErrorBody] {
  if (exception instanceof FaceshardError) return [exception.status, exception.toJSON()];
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const messages = typeof response === 'object' && response && 'message' in response ? (response as { message: unknown }).message : response;
    const message = Array.isArray(messages) ? messages.join('; ') : String(messages);
    const code = status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL';
    return [status, { code, message, retryable: false, ...(Array.isArray(messages) ? { details: { errors: messages } } : {}) }];
  }
  // Errors raised by fastify itself (malformed JSON, body too large) carry a statusCode.
  const statusCode = (exception as { statusCode?: number })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED';
    return [statusCode, { code, message: String((exception as Error).message), retryable: false }];
  }
  return [500, { code: 'INTERNAL', message: 'internal error', retryable: false }];
}
