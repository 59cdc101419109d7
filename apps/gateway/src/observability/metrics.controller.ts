import { Controller, Get, Headers, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ALL_COLLECTIONS, coversAllCollections } from '@faceshard/access';
import { FaceshardError } from '@faceshard/contracts';
import type { Observability } from '@faceshard/observability';
import { presentedKey } from '../access/access.guard';
import type { AccessService } from '../access/access.service';
import { Public } from '../access/requires-role.decorator';
import { ACCESS_SERVICE } from '../gateway.tokens';
import { OBSERVABILITY } from './gateway-metrics';

/**
 * Prometheus scrape endpoint. Open by default, as Prometheus scrapes without credentials
 * (keep it on a network only the scraper reaches, or set METRICS_REQUIRE_KEY=true: then any key
 * whose scope is every collection may read it, since the series name collections).
 * In the embedded mode the in-process shards' series are in the same registry.
 */
@ApiTags('observability')
@Controller()
export class MetricsController {
  constructor(
    @Inject(OBSERVABILITY) private readonly observability: Observability,
    @Inject(ACCESS_SERVICE) private readonly access: AccessService,
  ) {}

  @Get('metrics')
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics (text format): faceshard_* series and Node process metrics; open unless METRICS_REQUIRE_KEY=true' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus exposition format 0.0.4', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'metrics are off (METRICS_ENABLED=false)' })
  async metrics(@Headers() headers: Record<string, string | string[] | undefined>, @Res() reply: FastifyReply): Promise<void> {
    const metrics = this.observability.metrics;
    if (!metrics) throw new NotFoundException('metrics are off (METRICS_ENABLED=false)');
    if (this.observability.config.metricsRequireKey && this.access.enabled) {
      const principal = this.access.authenticate(presentedKey(headers as never));
      if (!coversAllCollections(principal)) {
        throw new FaceshardError('FORBIDDEN', `/metrics names every collection: it needs a key scoped to all collections ("${ALL_COLLECTIONS}")`);
      }
    }
    const text = await metrics.render();
    void reply.header('content-type', metrics.contentType).send(text);
  }
}
