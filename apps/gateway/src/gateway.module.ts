import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import type { ShardTransport } from '@faceshard/messaging';
import type { GatewayConfig } from './config/gateway-config';
import { ACCESS_SERVICE, GATEWAY_CONFIG, METADATA_STORE, SHARD_TRANSPORT } from './gateway.tokens';
import { AccessGuard } from './access/access.guard';
import type { AccessService } from './access/access.service';
import { KeysController } from './access/keys.controller';
import { HttpErrorFilter } from './common/http-error.filter';
import { CollectionsController } from './collections/collections.controller';
import { CollectionsService } from './collections/collections.service';
import { IdentitiesController } from './identities/identities.controller';
import { IdentitiesService } from './identities/identities.service';
import { SearchController } from './search/search.controller';
import { SearchService } from './search/search.service';
import { SearchRoute } from './search/search.route';
import { SearchThresholdService } from './search/search-threshold.service';
import { ClusterController } from './cluster/cluster.controller';
import { ClusterStatusService } from './cluster/cluster-status.service';
import { MembershipService } from './cluster/membership.service';
import { RingService } from './cluster/ring.service';
import { ShardClient } from './cluster/shard-client.service';
import { ShardHealthService } from './cluster/shard-health.service';
import { HealthController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';
import { FACE_CONTROLLERS, faceProviders } from './faces';
import { IntegrityController } from './admin/integrity.controller';
import { IntegrityService } from './admin/integrity.service';
import type { Observability } from '@faceshard/observability';
import { GATEWAY_METRICS, gatewayMetricsOf, OBSERVABILITY } from './observability/gateway-metrics';
import { MetricsController } from './observability/metrics.controller';
import { ProfileController } from './admin/profile.controller';
import { ProfileService } from './admin/profile.service';
import { RebalanceGauges } from './observability/rebalance-gauges';

/** The HTTP gateway. Its outside systems (transport, metadata store) are handed in, so tests and the embedded mode choose them. */
@Module({})
export class GatewayModule {
  static forRoot(deps: { config: GatewayConfig; transport: ShardTransport; metadata: ClusterMetadataStore; access: AccessService; observability: Observability }): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [CollectionsController, IdentitiesController, SearchController, ClusterController, HealthController, KeysController, ...FACE_CONTROLLERS, IntegrityController, MetricsController, ProfileController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: deps.config },
        { provide: SHARD_TRANSPORT, useValue: deps.transport },
        { provide: METADATA_STORE, useValue: deps.metadata },
        { provide: ACCESS_SERVICE, useValue: deps.access },
        { provide: OBSERVABILITY, useValue: deps.observability },
        { provide: GATEWAY_METRICS, useValue: gatewayMetricsOf(deps.observability) },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_GUARD, useClass: AccessGuard },
        RingService,
        ShardHealthService,
        ReadinessService,
        ShardClient,
        ClusterStatusService,
        MembershipService,
        CollectionsService,
        IdentitiesService,
        SearchService,
        SearchRoute,
        SearchThresholdService,
        ...faceProviders(deps.config.faces, deps.config.cluster),
        IntegrityService,
        ProfileService,
        RebalanceGauges,
      ],
    };
  }
}
