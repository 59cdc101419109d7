import { Injectable } from '@nestjs/common';
import { FaceshardError, type ErrorBody, type ShardIntegrityReport } from '@faceshard/contracts';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';

/** A check walks every face of a shard (a search each): minutes for millions, so its own deadline. */
export const INTEGRITY_TIMEOUT_MS = 15 * 60_000;

export type ShardIntegrityAnswer = { shardId: string; report: ShardIntegrityReport } | { shardId: string; error: ErrorBody };

/** Asks every ring member to check (and with `repair`, fix) its own state; answers per shard. */
@Injectable()
export class IntegrityService {
  constructor(
    private readonly ring: RingService,
    private readonly shards: ShardClient,
  ) {}

  async check(request: { collection?: string; repair: boolean }): Promise<{ ok: boolean; shards: ShardIntegrityAnswer[] }> {
    const members = [...this.ring.current().members];
    const answers = await Promise.all(
      members.map(async (shardId): Promise<ShardIntegrityAnswer> => {
        try {
          const report = await this.shards.integrityCheck(shardId, { collection: request.collection, repair: request.repair }, INTEGRITY_TIMEOUT_MS);
          return { shardId, report };
        } catch (error) {
          const failure = error instanceof FaceshardError ? error : new FaceshardError('INTERNAL', String(error));
          return { shardId, error: failure.toJSON() };
        }
      }),
    );
    return { ok: answers.every((answer) => 'report' in answer && answer.report.ok), shards: answers };
  }
}
