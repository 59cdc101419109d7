import { DynamicModule, Module } from '@nestjs/common';
import type { ShardStore } from '@faceshard/index';
import type { ProcessProfiler } from '@faceshard/profiling';
import { ShardProfileService } from './profiling/shard-profile.service';
import { MoveExporter } from './rebalance/move-exporter';
import { ShardController } from './shard.controller';
import { ShardService } from './shard.service';
import type { RingView } from './ring-view';
import { RING_VIEW, SHARD_ID, SHARD_PROFILER, SHARD_STORE } from './shard.tokens';

@Module({})
export class ShardModule {
  static forShard(shardId: string, store: ShardStore, ringView: RingView, profiler: { recorder: ProcessProfiler; maxSeconds: number }): DynamicModule {
    return {
      module: ShardModule,
      controllers: [ShardController],
      providers: [
        ShardService,
        ShardProfileService,
        { provide: SHARD_PROFILER, useValue: profiler },
        { provide: SHARD_ID, useValue: shardId },
        { provide: SHARD_STORE, useValue: store },
        { provide: RING_VIEW, useValue: ringView },
        { provide: MoveExporter, useFactory: () => new MoveExporter(store, shardId, ringView) },
      ],
    };
  }
}
