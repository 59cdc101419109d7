import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { FaceshardError } from '@faceshard/contracts';
import { Public } from '../access/requires-role.decorator';
import { ReadinessService } from './readiness.service';

/** Probes for orchestrators: open (no API key), cheap. `/health` stays as it was. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers HTTP (restart it if this fails)' })
  @ApiOkResponse({ schema: { example: { status: 'live' } } })
  live() {
    return { status: 'live' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: metadata watched, shards known and reachable, models loaded where this gateway runs them' })
  @ApiOkResponse({ schema: { example: { status: 'ready', checks: { metadata: { ok: true, detail: 'following the ring (epoch 3)' } } } } })
  @ApiServiceUnavailableResponse({ description: 'NOT_READY, details.checks says which condition fails' })
  async ready() {
    const { ready, checks } = await this.readiness.evaluate();
    if (!ready) {
      const failing = Object.entries(checks).filter(([, c]) => !c.ok);
      throw new FaceshardError('NOT_READY', failing.map(([name, c]) => `${name}: ${c.detail}`).join('; '), { checks });
    }
    return { status: 'ready', checks };
  }
}
