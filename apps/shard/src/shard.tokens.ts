/** Injection tokens of the shard app: the outside systems it is given at start-up. */
export const SHARD_STORE = Symbol('SHARD_STORE');
export const SHARD_ID = Symbol('SHARD_ID');
export const RING_VIEW = Symbol('RING_VIEW');
export const SHARD_PROFILER = Symbol('SHARD_PROFILER');
