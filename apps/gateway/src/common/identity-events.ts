import { Injectable } from '@nestjs/common';

export type IdentityChangeListener = (collection: string, identityIds: string[]) => Promise<void>;

/**
 * "These identities changed" (written, a face removed, deleted), told after the write is
 * acknowledged, so that whatever is kept about them elsewhere (the face cache) is dropped.
 */
@Injectable()
export class IdentityEvents {
  private readonly listeners = new Set<IdentityChangeListener>();

  onChange(listener: IdentityChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async changed(collection: string, identityIds: string[]): Promise<void> {
    if (identityIds.length === 0) return;
    await Promise.all([...this.listeners].map((listener) => listener(collection, identityIds)));
  }
}
