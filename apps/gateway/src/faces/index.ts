import type { Provider } from '@nestjs/common';
import { createFaceCache, FACE_CACHE } from '../cache/face-cache.provider';
import type { FaceCache } from '../cache/face-cache';
import { IdentityEvents } from '../common/identity-events';
import { readFacesConfig, type FacesConfig } from './faces-config';
import { FACES_CONFIG } from './faces.tokens';
import { FacesController } from './faces.controller';
import { FacePipelineService } from './face-pipeline.service';
import { FaceReadiness } from './face-readiness';
import { FaceAnalysisService } from './face-analysis.service';
import { FaceCollectionsService } from './face-collections.service';
import { FaceModelsService } from './face-models.service';
import { EnrollService } from './enroll.service';
import { IdentifyService } from './identify.service';
import { VerifyService } from './verify.service';
import { DetectService } from './detect.service';
import { IdentityPagesService } from './identity-pages.service';
import { IdentityCacheInvalidator } from './identity-cache';
import { GATEWAY_METRICS, type GatewayMetrics } from '../observability/gateway-metrics';
import { CalibrationService } from './calibration.service';
import { CollectionSizeService } from './collection-size.service';

export const FACE_CONTROLLERS = [FacesController];

/** The face API's providers; the cache is closed with the app. */
export function faceProviders(config: FacesConfig | undefined, clusterName: string): Provider[] {
  const faces = config ?? readFacesConfig({});
  return [
    { provide: FACES_CONFIG, useValue: faces },
    {
      provide: FACE_CACHE,
      useFactory: (metrics: GatewayMetrics): FaceCache & { onApplicationShutdown?: () => Promise<void> } => {
        const cache = createFaceCache(faces.cache, clusterName, metrics.cache);
        return Object.assign(cache, { onApplicationShutdown: () => cache.close() });
      },
      inject: [GATEWAY_METRICS],
    },
    IdentityEvents,
    FacePipelineService,
    FaceReadiness,
    FaceAnalysisService,
    FaceCollectionsService,
    FaceModelsService,
    EnrollService,
    IdentifyService,
    VerifyService,
    DetectService,
    IdentityPagesService,
    IdentityCacheInvalidator,
    CalibrationService,
    CollectionSizeService,
  ];
}
