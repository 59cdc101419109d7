import { FaceshardError } from '@faceshard/contracts';
import { readAttributeFilter } from '@faceshard/query';
import type { SearchDto } from './search.dto';

/** Largest `ef` a search may ask for. */
export const MAX_SEARCH_EF = 10_000;

const FIELDS: ReadonlySet<string> = new Set(['vector', 'vectorB64', 'k', 'minScore', 'farTarget', 'ef', 'filter']);

/**
 * Reads a search request body in one pass over its (few) fields, with the rules the global
 * ValidationPipe applied before (unknown fields refused, k and ef positive integers, minScore a
 * finite number; null = absent). The vector is only checked for its form here: its components
 * are checked once, while readVector converts them. Every problem is listed, as VALIDATION_FAILED.
 * Pure.
 */
export function parseSearchBody(body: unknown): SearchDto {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FaceshardError('VALIDATION_FAILED', 'the request body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const errors: string[] = [];
  const out: SearchDto = {};
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (!FIELDS.has(key)) {
      errors.push(`property ${key} should not exist`);
      continue;
    }
    if (value === undefined || value === null) continue;
    switch (key) {
      case 'vector':
        if (Array.isArray(value)) out.vector = value as number[];
        else errors.push('vector must be an array');
        break;
      case 'vectorB64':
        if (typeof value === 'string') out.vectorB64 = value;
        else errors.push('vectorB64 must be a string');
        break;
      case 'k':
        if (isIntegerAtLeast1(value)) out.k = value;
        else errors.push('k must be an integer >= 1');
        break;
      case 'ef':
        if (isIntegerAtLeast1(value) && value <= MAX_SEARCH_EF) out.ef = value;
        else errors.push(`ef must be an integer from 1 to ${MAX_SEARCH_EF}`);
        break;
      case 'minScore':
        if (typeof value === 'number' && Number.isFinite(value)) out.minScore = value;
        else errors.push('minScore must be a finite number');
        break;
      case 'farTarget':
        if (typeof value === 'number' && value > 0 && value < 1) out.farTarget = value;
        else errors.push('farTarget must be a false-match rate within (0, 1), e.g. 1e-5');
        break;
      case 'filter':
        // The same attribute filter identify takes, applied by each shard inside its HNSW walk.
        try {
          const filter = readAttributeFilter(value);
          if (filter) out.filter = filter;
        } catch (error) {
          errors.push((error as Error).message);
        }
        break;
    }
  }
  if (errors.length > 0) throw new FaceshardError('VALIDATION_FAILED', errors.join('; '), { errors });
  return out;
}

function isIntegerAtLeast1(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}
