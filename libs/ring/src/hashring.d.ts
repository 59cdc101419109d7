/**
 * Minimal typings for the `hashring` package (v3 ships none). Only what RingPlacement uses.
 * The constructor's servers map takes `{ vnodes }` per server; each vnode is one md5 digest
 * that yields `replicas` (4, ketama) points on the continuum.
 */
declare module 'hashring' {
  interface HashRingOptions {
    'vnode count'?: number;
    'max cache size'?: number;
    replicas?: number;
    compatibility?: 'ketama' | 'hash_ring';
    'default port'?: number;
  }
  class HashRing {
    constructor(servers: Record<string, { vnodes?: number; weight?: number }> | string[], algorithm?: string, options?: HashRingOptions);
    get(key: string): string | undefined;
    range(key: string, size?: number, unique?: boolean): string[];
    points(servers?: string[]): Record<string, number[]>;
    /** Points on the continuum. */
    readonly size: number;
  }
  export = HashRing;
}
