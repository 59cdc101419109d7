import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../access/requires-role.decorator';

export const DOCS_PATH = 'docs';
export const OPENAPI_JSON_PATH = '/openapi.json';

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('faceshard')
    .setDescription(
      'Self-hosted face matching over a sharded cluster. Send an API key as `X-Api-Key: <key>` or ' +
        '`Authorization: Bearer <key>` (see README, Access). Every error answers `{code, message, retryable, details?}`.',
    )
    .setVersion('0.1.0')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An API key (fsk_…)' }, API_KEY_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' }, BEARER_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** The browsable docs at /docs and the document at /openapi.json; both open, keys on or off. */
export function setupOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'faceshard API',
    swaggerOptions: { persistAuthorization: true },
  });
  return document;
}
