import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { FACE_CACHE } from '../cache/face-cache.provider';
import type { FaceCache } from '../cache/face-cache';
import { IdentityEvents } from '../common/identity-events';

/** The cache group holding everything cached about one identity (today: its enrolled vectors, for verify). */
export function identityCacheGroup(collection: string, identityId: string): string {
  return `i:${collection}:${identityId}`;
}

/** Drops an identity's cache group whenever the identity is written, loses a face, or is deleted. */
@Injectable()
export class IdentityCacheInvalidator implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    @Inject(FACE_CACHE) private readonly cache: FaceCache,
    private readonly events: IdentityEvents,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onChange(async (collection, identityIds) => {
      await Promise.all(identityIds.map((id) => this.cache.invalidate(identityCacheGroup(collection, id))));
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
