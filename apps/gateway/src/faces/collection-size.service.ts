import { Injectable } from '@nestjs/common';
import type { ShardStats } from '@faceshard/contracts';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';

/** How long a collection's size is reused: the 1:N false-match probability moves with N slowly. */
const FRESH_MS = 5_000;

export interface CollectionSize {
  faces: number;
  identities: number;
  /** False when some shard did not answer: the counts are then a lower bound. */
  complete: boolean;
}

/**
 * Enrolled faces and identities of a collection, summed over the ring's shards (their stats op),
 * kept a few seconds so that identify does not ask every shard twice per photo.
 */
@Injectable()
export class CollectionSizeService {
  private readonly cache = new Map<string, { at: number; size: Promise<CollectionSize> }>();

  constructor(
    private readonly ring: RingService,
    private readonly shards: ShardClient,
  ) {}

  size(collection: string): Promise<CollectionSize> {
    const hit = this.cache.get(collection);
    if (hit && Date.now() - hit.at < FRESH_MS) return hit.size;
    const size = this.count(collection);
    this.cache.set(collection, { at: Date.now(), size });
    size.catch(() => this.cache.delete(collection));
    return size;
  }

  private async count(collection: string): Promise<CollectionSize> {
    const members = this.ring.current().members;
    const answers = await Promise.allSettled(members.map((shardId) => this.shards.read(shardId, 'stats', {})));
    const size: CollectionSize = { faces: 0, identities: 0, complete: true };
    for (const answer of answers) {
      if (answer.status === 'rejected') {
        size.complete = false;
        continue;
      }
      const c = (answer.value as ShardStats).collections.find((x) => x.name === collection);
      size.faces += c?.faces ?? 0;
      size.identities += c?.identities ?? 0;
    }
    return size;
  }
}
