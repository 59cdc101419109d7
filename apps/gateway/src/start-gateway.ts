import { BadRequestException, LoggerService, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import type { ShardTransport } from '@faceshard/messaging';
import type { GatewayConfig } from './config/gateway-config';
import { GatewayModule } from './gateway.module';

/** A batch of 1000 identities as JSON arrays of floats is a few MB; leave room, but bound it. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export interface RunningGateway {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

export async function startGateway(deps: {
  config: GatewayConfig;
  transport: ShardTransport;
  metadata: ClusterMetadataStore;
  logger?: LoggerService | false | ('log' | 'error' | 'warn' | 'debug' | 'verbose')[];
}): Promise<RunningGateway> {
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(deps),
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
    { logger: deps.logger ?? ['error', 'warn'] },
  );
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      // One message per failed constraint, with the property path, as the error details.
      exceptionFactory: (errors) => new BadRequestException(flattenValidationErrors(errors)),
    }),
  );
  app.enableShutdownHooks();
  await app.listen(deps.config.port, deps.config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : deps.config.port;
  return { app, url: `http://${deps.config.host}:${port}`, close: () => app.close() };
}

function flattenValidationErrors(errors: import('class-validator').ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => message.replace(error.property, path));
    return [...own, ...flattenValidationErrors(error.children ?? [], path)];
  });
}
