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
  /**
   * Which incarnation of the name this is: assigned once by the metadata store when the
   * collection is created, strictly increasing per name (wall-clock ms, above the name's last
   * deleted generation), so a collection deleted and created again is a different collection. Shards refuse writes for a generation
   * they have dropped. Absent (0) only in data written before generations existed.
   */
  generation?: number;
  /** Face collections: the recognizer whose embeddings it holds (fixes dimension and metric). Absent: embeddings only. */
  model?: string;
}

/** Collection names and identity ids: safe in NATS subjects, KV keys and file names. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const MAX_DIMENSION = 4096;
