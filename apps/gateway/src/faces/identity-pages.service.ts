import { Inject, Injectable } from '@nestjs/common';
import { FaceshardError, NAME_PATTERN } from '@faceshard/contracts';
import type { GatewayConfig } from '../config/gateway-config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { CollectionsService } from '../collections/collections.service';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';
import { onePerIdentity } from './identity-page-merge';

const MAX_PAGE = 1000;

/** Identities in id order, a page at a time, with an opaque cursor; each shard sends its next page and the gateway merges. */
@Injectable()
export class IdentityPagesService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly collections: CollectionsService,
    private readonly ring: RingService,
    private readonly shards: ShardClient,
  ) {}

  async page(collectionName: string, options: { limit?: number; cursor?: string }) {
    const collection = await this.collections.require(collectionName);
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new FaceshardError('VALIDATION_FAILED', `limit must be an integer in 1..${MAX_PAGE}`);
    const after = options.cursor ? decodeCursor(options.cursor) : undefined;
    const ring = this.ring.current();
    const members = ring.members;
    // A listing must be complete or fail: a silent gap would look like missing people.
    const pages = await Promise.all(members.map((shardId) => this.shards.read(shardId, 'listIdentities', { collection: collection.name, generation: collection.generation, after, limit: limit + 1 }, this.config.searchTimeoutMs)));
    const merged = onePerIdentity(members.map((shardId, i) => ({ shardId, identities: pages[i]!.identities })), (id) => ring.readOwner(id));
    const identities = merged.slice(0, limit);
    const more = merged.length > limit;
    return { identities, nextCursor: more ? encodeCursor(identities[identities.length - 1]!.identityId) : null };
  }
}

export function encodeCursor(identityId: string): string {
  return Buffer.from(identityId).toString('base64url');
}

/**
 * The identity id a cursor names. Refuses what encodeCursor cannot have made: a cursor that does
 * not decode to a valid identity id, or not back to itself (base64url decodes most strings to
 * something; taken as an id, a mistyped cursor would end the listing early, silently).
 */
export function decodeCursor(cursor: string): string {
  const id = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  if (!NAME_PATTERN.test(id) || encodeCursor(id) !== cursor) throw new FaceshardError('VALIDATION_FAILED', 'cursor is not one this server gave out');
  return id;
}
