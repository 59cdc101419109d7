import { Injectable, OnModuleInit } from '@nestjs/common';
import { ReadinessService } from '../health/readiness.service';
import { FacePipelineService } from './face-pipeline.service';

/** Adds "face models loaded" to this gateway's readiness (/health/ready): every gateway serves the face API. */
@Injectable()
export class FaceReadiness implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly pipeline: FacePipelineService,
  ) {}

  onModuleInit(): void {
    this.readiness.register('models', () => this.pipeline.readiness());
  }
}
