import { Controller, Get } from '@nestjs/common';
import { ClusterStatusService } from './cluster-status.service';

@Controller()
export class ClusterController {
  constructor(private readonly status: ClusterStatusService) {}

  @Get('v1/cluster')
  cluster() {
    return this.status.describe();
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }
}
