import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ShardOp, ShardRequest } from '@faceshard/contracts';
import { ShardService } from './shard.service';
import { MoveExporter } from './rebalance/move-exporter';
import { ShardProfileService } from './profiling/shard-profile.service';
import { RethrowRpcErrorsFilter } from './transport/rethrow-rpc-errors.filter';

const op = (name: ShardOp) => MessagePattern(name);

/**
 * One handler per control-plane shard operation; the logic lives in ShardService. search and
 * searchMany are not here: the transport answers them directly (transport/search-handlers.ts).
 */
@Controller()
@UseFilters(RethrowRpcErrorsFilter)
export class ShardController {
  constructor(
    private readonly shard: ShardService,
    private readonly moves: MoveExporter,
    private readonly profiles: ShardProfileService,
  ) {}

  @op('upsert')
  upsert(@Payload() req: ShardRequest<'upsert'>) {
    return this.shard.upsert(req);
  }

  @op('delete')
  delete(@Payload() req: ShardRequest<'delete'>) {
    return this.shard.delete(req);
  }

  @op('get')
  get(@Payload() req: ShardRequest<'get'>) {
    return this.shard.get(req);
  }

  @op('listIdentities')
  listIdentities(@Payload() req: ShardRequest<'listIdentities'>) {
    return this.shard.listIdentities(req);
  }

  @op('dropCollection')
  dropCollection(@Payload() req: ShardRequest<'dropCollection'>) {
    return this.shard.dropCollection(req);
  }

  @op('applyVersioned')
  applyVersioned(@Payload() req: ShardRequest<'applyVersioned'>) {
    return this.shard.applyVersioned(req);
  }

  @op('purgeTombstones')
  purgeTombstones(@Payload() req: ShardRequest<'purgeTombstones'>) {
    return this.shard.purgeTombstones(req);
  }

  @op('ringBarrier')
  ringBarrier(@Payload() req: ShardRequest<'ringBarrier'>) {
    return this.shard.ringBarrier(req);
  }

  @op('stats')
  stats() {
    return this.shard.stats();
  }

  @op('exportChunk')
  exportChunk(@Payload() req: ShardRequest<'exportChunk'>) {
    return this.moves.exportChunk(req);
  }

  @op('dropMoved')
  dropMoved(@Payload() req: ShardRequest<'dropMoved'>) {
    return this.moves.dropMoved(req);
  }

  @op('integrityCheck')
  integrityCheck(@Payload() req: ShardRequest<'integrityCheck'>) {
    return this.shard.integrityCheck(req);
  }

  @op('profile')
  profile(@Payload() req: ShardRequest<'profile'>) {
    return this.profiles.profile(req);
  }

  @op('profileChunk')
  profileChunk(@Payload() req: ShardRequest<'profileChunk'>) {
    return this.profiles.profileChunk(req);
  }
}
