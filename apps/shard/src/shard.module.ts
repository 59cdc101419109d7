import { DynamicModule, Module } from '@nestjs/common';
import type { ShardStore } from '@faceshard/index';
import { ShardController } from './shard.controller';
import { ShardService } from './shard.service';
import { SHARD_ID, SHARD_STORE } from './shard.tokens';

@Module({})
export class ShardModule {
  static forShard(shardId: string, store: ShardStore): DynamicModule {
    return {
      module: ShardModule,
      controllers: [ShardController],
      providers: [
        ShardService,
        { provide: SHARD_ID, useValue: shardId },
        { provide: SHARD_STORE, useValue: store },
      ],
    };
  }
}
