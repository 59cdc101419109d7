import { FaceshardError, MAX_DIMENSION, NAME_PATTERN, type CollectionSpec } from '@faceshard/contracts';

/** A clean copy of a valid spec (only the known fields), or VALIDATION_FAILED. */
export function validCollectionSpec(spec: CollectionSpec): CollectionSpec {
  if (typeof spec !== 'object' || spec === null) throw invalid('a collection spec must be an object');
  if (typeof spec.name !== 'string' || !NAME_PATTERN.test(spec.name)) throw invalid(`invalid collection name ${JSON.stringify(spec.name)}`);
  if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > MAX_DIMENSION) {
    throw invalid(`dimension must be an integer in 1..${MAX_DIMENSION}, got ${spec.dimension}`);
  }
  if (spec.metric !== 'cosine' && spec.metric !== 'ip') throw invalid(`metric must be "cosine" or "ip", got ${JSON.stringify(spec.metric)}`);
  if (spec.model !== undefined && (typeof spec.model !== 'string' || spec.model.length === 0 || spec.model.length > 128)) {
    throw invalid(`model must be a model id, got ${JSON.stringify(spec.model)}`);
  }
  const clean: CollectionSpec = { name: spec.name, dimension: spec.dimension, metric: spec.metric };
  if (spec.model !== undefined) clean.model = spec.model;
  return clean;
}

export function sameCollectionSpec(a: CollectionSpec, b: CollectionSpec): boolean {
  return a.name === b.name && a.dimension === b.dimension && a.metric === b.metric && a.model === b.model;
}

export function collectionExists(existing: CollectionSpec): FaceshardError {
  return new FaceshardError(
    'COLLECTION_EXISTS',
    `collection ${existing.name} already exists with dimension ${existing.dimension} and metric ${existing.metric}`,
    { existing },
  );
}

/** Validates a stored spec (from KV or file). Its generation is kept; a spec stored before generations has 0. */
export function parseCollectionSpec(value: unknown): CollectionSpec {
  let spec: CollectionSpec;
  try {
    spec = validCollectionSpec(value as CollectionSpec);
  } catch {
    throw new FaceshardError('INTERNAL', `stored collection spec is malformed: ${JSON.stringify(value)}`);
  }
  const generation = (value as { generation?: unknown }).generation;
  if (generation !== undefined && !isGeneration(generation)) throw new FaceshardError('INTERNAL', `stored collection spec has a bad generation: ${JSON.stringify(value)}`);
  return { ...spec, generation: generation ?? 0 };
}

/**
 * The generation of a collection created now under a name whose last generation was `previous`:
 * above it, and at least the wall clock in ms. Per name strictly increasing even if the clock steps
 * back; and above every generation shards saw for the name even after the metadata store was lost
 * and re-created (its counters and tombstones gone), as long as the clock did not go back that far.
 */
export function nextGeneration(previous: number, now: number = Date.now()): number {
  return Math.max(Math.floor(now), previous + 1);
}

export function isGeneration(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function invalid(message: string): FaceshardError {
  return new FaceshardError('VALIDATION_FAILED', message);
}
