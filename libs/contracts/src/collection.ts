/**
 * A collection is a tenant's gallery. It fixes the embedding dimension and the metric;
 * search never crosses collections.
 */
export type Metric = 'cosine' | 'ip';

export interface CollectionSpec {
  name: string;
  dimension: number;
  /** cosine: vectors are L2-normalised on the way in; ip: stored as given. */
  metric: Metric;
}

/** Collection names and identity ids: safe in NATS subjects, KV keys and file names. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const MAX_DIMENSION = 4096;
