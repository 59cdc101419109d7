import { Inject, Injectable } from '@nestjs/common';
import type { ShardRequest, ShardResponse } from '@faceshard/contracts';
import { readProfileRequest, type ProcessProfiler } from '@faceshard/profiling';
import { SHARD_PROFILER } from '../shard.tokens';

/** CPU profiles and heap snapshots of this shard process, for an admin at the gateway (control plane). */
@Injectable()
export class ShardProfileService {
  constructor(@Inject(SHARD_PROFILER) private readonly profiler: { recorder: ProcessProfiler; maxSeconds: number }) {}

  /** Records into the shard's data folder; the gateway then fetches the file in chunks (NATS payload limit). */
  async profile(req: ShardRequest<'profile'>): Promise<ShardResponse<'profile'>> {
    const request = readProfileRequest(req ?? {}, this.profiler.maxSeconds);
    const { profileId, bytes } = await this.profiler.recorder.record(request);
    return { profileId, bytes };
  }

  profileChunk(req: ShardRequest<'profileChunk'>): Promise<ShardResponse<'profileChunk'>> {
    return this.profiler.recorder.readChunk(req?.profileId, req?.offset, req?.maxBytes);
  }
}
