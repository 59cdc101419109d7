import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/** The part of nats' MsgHdrs the propagator needs (kept structural: this lib does not depend on nats). */
export interface HeaderMap {
  get(key: string): string;
  set(key: string, value: string): void;
  has(key: string): boolean;
  keys(): string[];
}

export const headerMapGetter: TextMapGetter<HeaderMap | undefined> = {
  keys: (carrier) => carrier?.keys() ?? [],
  // MsgHdrs.get answers '' for a missing key: the propagator must see undefined.
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
};

export const headerMapSetter: TextMapSetter<HeaderMap> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Node's incoming HTTP headers (lower-case names; repeated headers as arrays). */
export const incomingHttpGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

/** A plain record carrier: what a worker-thread message carries. */
export const recordGetter: TextMapGetter<Record<string, string> | undefined> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => carrier?.[key],
};

export const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
