/**
 * Fields that must never reach a log line, wherever a careless call puts them: API keys (and
 * the headers that carry them), vectors, photos. Code does not log request bodies at all;
 * this is the second line of defence, replacing the value with "[redacted]".
 * pino's paths match one level per `*`: a field at the top, or one object down.
 */
const SECRET_FIELDS = ['apiKey', 'key', 'secret', 'authorization', 'vector', 'vectors', 'embedding', 'photo', 'photos', 'image', 'images'];

export const REDACTED = '[redacted]';

export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'headers.authorization',
  '*.headers.authorization',
];
