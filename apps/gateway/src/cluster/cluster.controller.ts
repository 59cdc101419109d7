import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public, RequiresRole } from '../access/requires-role.decorator';
import { ClusterStatusService } from './cluster-status.service';

@ApiTags('cluster')
@Controller()
export class ClusterController {
  constructor(private readonly status: ClusterStatusService) {}

  @Get('v1/cluster')
  @RequiresRole('admin')
  cluster() {
    return this.status.describe();
  }

  @Get('health')
  @Public()
  health() {
    return { status: 'ok' };
  }
}
