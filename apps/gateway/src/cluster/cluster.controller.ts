import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { answers } from '../openapi/examples';
import { Public, RequiresRole } from '../access/requires-role.decorator';
import { ClusterStatusService } from './cluster-status.service';
import { MembershipService } from './membership.service';

@ApiTags('cluster')
@Controller()
export class ClusterController {
  constructor(
    private readonly status: ClusterStatusService,
    private readonly membership: MembershipService,
  ) {}

  @Get('v1/cluster')
  @RequiresRole('admin')
  @ApiOperation({ summary: 'Ring, members, their health and collections' })
  @ApiOkResponse({ schema: { example: answers.cluster } })
  cluster() {
    return this.status.describe();
  }

  /** The shard becomes `leaving`: its identities stream to their new owners, then it leaves the ring and exits. */
  @Post('v1/cluster/members/:shardId/drain')
  @HttpCode(202)
  @RequiresRole('admin')
  @ApiOperation({ summary: 'Drain a shard: move its identities out, take it off the ring; the shard process then exits' })
  drain(@Param('shardId') shardId: string) {
    return this.membership.drain(shardId);
  }

  /** Removes a dead member at once; refused while it holds the only copy of identities unless ?force=true. */
  @Delete('v1/cluster/members/:shardId')
  @RequiresRole('admin')
  @ApiOperation({ summary: 'Remove a dead shard at once (DATA_WOULD_BE_LOST unless it holds nothing or ?force=true)' })
  remove(@Param('shardId') shardId: string, @Query('force') force?: string) {
    return this.membership.remove(shardId, force === 'true');
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
