import { DynamicModule, Module } from '@nestjs/common';
import type { ShardStore } from '@faceshard/index';
import { MoveExporter } from './rebalance/move-exporter';
import { ShardController } from './shard.controller';
import { ShardService } from './shard.service';
import type { RingView } from './ring-view';
import { RING_VIEW, SHARD_ID, SHARD_STORE } from './shard.tokens';

@Module({})
export class ShardModule {
  static forShard(shardId: string, store: ShardStore, ringView: RingView): DynamicModule {
    return {
      module: ShardModule,
      controllers: [ShardController],
      providers: [
        ShardService,
        { provide: SHARD_ID, useValue: shardId },
        { provide: SHARD_STORE, useValue: store },
        { provide: RING_VIEW, useValue: ringView },
        { provide: MoveExporter, useFactory: () => new MoveExporter(store, shardId, ringView) },
      ],
    };
  }
}
