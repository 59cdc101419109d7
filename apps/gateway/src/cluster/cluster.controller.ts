import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { answers } from '../openapi/examples';
import { Public, RequiresRole } from '../access/requires-role.decorator';
import { ClusterStatusService } from './cluster-status.service';

@ApiTags('cluster')
@Controller()
export class ClusterController {
  constructor(private readonly status: ClusterStatusService) {}

  @Get('v1/cluster')
  @RequiresRole('admin')
  @ApiOperation({ summary: 'Ring, members, their health and collections' })
  @ApiOkResponse({ schema: { example: answers.cluster } })
  cluster() {
    return this.status.describe();
  }

  @Get('health')
  @Public()
  @ApiOperation({ summary: 'Liveness of this gateway (open, no key)' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  health() {
    const faces = this.status.faces();
    return { status: faces.cache.state === 'degraded' ? 'degraded' : 'ok', faces };
  }
}
