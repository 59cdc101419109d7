import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Observability } from '@faceshard/observability';
import { ClusterStatusService } from '../cluster/cluster-status.service';
import { RingService } from '../cluster/ring.service';
import { OBSERVABILITY } from './gateway-metrics';
import { progressRatio } from '@faceshard/rebalance';

/**
 * Points the move gauges at the running move: its progress documents are read from the cluster
 * metadata when Prometheus scrapes, as GET /v1/cluster reads them, so the coordinator (on
 * whichever shard holds the lease) needs no metrics of its own and the figures survive its restart.
 */
@Injectable()
export class RebalanceGauges implements OnModuleInit {
  constructor(
    @Inject(OBSERVABILITY) private readonly observability: Observability | undefined,
    private readonly ring: RingService,
    private readonly status: ClusterStatusService,
  ) {}

  onModuleInit(): void {
    this.observability?.metrics?.watchRebalance(async () => {
      const move = this.ring.current().state.move;
      if (!move) return [];
      const { sources } = await this.status.describeMove(move);
      return sources.map((s) => ({ source: s.source, moved: s.moved, ratio: progressRatio(s), perSecond: s.perSecond }));
    });
  }
}
