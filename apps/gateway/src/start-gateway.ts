import { BadRequestException, LoggerService, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ApiKeyRepository } from '@faceshard/access';
import multipart from '@fastify/multipart';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import type { ShardTransport } from '@faceshard/messaging';
import type { GatewayConfig } from './config/gateway-config';
import { GatewayModule } from './gateway.module';
import { AccessService } from './access/access.service';
import { setupOpenApi } from './openapi/setup-openapi';
import { gatewayFastifyOptions, installEdgeLimits } from './http/fastify-options';
import { installShutdownAnswer } from './http/shutdown-answer';
import { installRequestScope } from './http/request-scope';
import { installHttpTracing } from './http/http-tracing';
import { installRequestObserver } from './http/request-observer';
import { installDirectRoutes } from './http/direct-routes';
import { installFastAsyncResourceBind } from './http/async-resource-bind';
import { SearchRoute } from './search/search.route';
import { validationMessages } from './common/validation-messages';
import { PinoNestLogger, quietObservability, type Observability } from '@faceshard/observability';

export interface RunningGateway {
  app: NestFastifyApplication;
  url: string;
  /** API keys required on this gateway. */
  auth: 'on' | 'off';
  /** Only on the one start, cluster-wide, that generated the first admin key: show it once. */
  firstAdminKey?: string;
  /** Every route Fastify registered (method, url), for the OpenAPI completeness test and logs. */
  routes: { method: string; url: string }[];
  close(): Promise<void>;
}

export async function startGateway(deps: {
  config: GatewayConfig;
  transport: ShardTransport;
  metadata: ClusterMetadataStore;
  apiKeys: ApiKeyRepository;
  logger?: LoggerService | false | ('log' | 'error' | 'warn' | 'debug' | 'verbose')[];
  /** The process's logger and metrics (its entry point makes them); tests may leave it out. */
  observability?: Observability;
}): Promise<RunningGateway> {
  const observability = deps.observability ?? quietObservability({ role: deps.config.role });
  // Fastify binds an AsyncResource per request body; Node 20's bind costs ~11 µs of it (see the file).
  installFastAsyncResourceBind();
  const { access, firstAdminKey } = await AccessService.start(deps.apiKeys, { auth: deps.config.auth, adminKey: deps.config.adminKey });
  const adapter = new FastifyAdapter(gatewayFastifyOptions(deps.config));
  const routes: RunningGateway['routes'] = [];
  installRequestScope(adapter.getInstance());
  installRequestObserver(adapter.getInstance(), observability.log, observability.metrics?.http(), deps.config.accessLog);
  installEdgeLimits(adapter.getInstance(), deps.config);
  const shutdown = installShutdownAnswer(adapter.getInstance());
  installHttpTracing(adapter.getInstance());
  adapter.getInstance().addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot({ ...deps, access, observability }), adapter, {
      logger: deps.logger ?? new PinoNestLogger(observability.log),
      // No Nest body parsers: Fastify's own JSON parser (same limits, prototype-poisoning refused)
      // is the only one, so form-encoded bodies get 415 instead of reaching validation.
      bodyParser: false,
    });
  } catch (err) {
    await access.close();
    throw err;
  }
  // Nest registers its routes in listen(), after this: the search route is then served by SearchRoute.
  installDirectRoutes(adapter.getInstance(), new Map([['search', app.get(SearchRoute)]]));
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      // One message per failed constraint, with the property path, as the error details (validation-messages.ts).
      exceptionFactory: (errors) => new BadRequestException(validationMessages(errors)),
    }),
  );
  // Photos as multipart/form-data; the per-file size cap is set per request by the face API.
  await app.register(multipart as never);
  setupOpenApi(app);
  try {
    await app.listen(deps.config.port, deps.config.host);
  } catch (err) {
    await app.close().catch(() => undefined);
    await access.close();
    throw err;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : deps.config.port;
  return {
    app,
    url: `http://${deps.config.host}:${port}`,
    auth: access.mode,
    firstAdminKey,
    routes,
    async close() {
      shutdown.begin();
      await app.close();
      await access.close();
    },
  };
}

