/** Injection tokens of the gateway: the outside systems it is given at start-up. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const SHARD_TRANSPORT = Symbol('SHARD_TRANSPORT');
export const METADATA_STORE = Symbol('METADATA_STORE');
export const ACCESS_SERVICE = Symbol('ACCESS_SERVICE');
/** Optional: the clock and timers of the search fan-out's coalescer (tests give a manual one). */
export const FAN_OUT_SCHEDULER = Symbol('FAN_OUT_SCHEDULER');
