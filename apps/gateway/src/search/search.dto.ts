import { ApiPropertyOptional } from '@nestjs/swagger';
import type { AttributeFilter } from '@faceshard/contracts';

/**
 * The search request body as the OpenAPI document shows it. It is not validated by decorators:
 * search-body.ts reads it in one pass (the hot path skips class-transformer/class-validator).
 */
export class SearchDto {
  @ApiPropertyOptional({ type: [Number], example: [0.12, -0.4, 0.33, 0.85], description: "The vector as JSON numbers (the collection's dimension). Send this or vectorB64." })
  vector?: number[];

  @ApiPropertyOptional({ description: 'The vector as base64 of little-endian float32 bytes (compact, exact). Send this or vector.' })
  vectorB64?: string;

  /** Checked against MAX_K in the service (a config value, not a constant here). */
  @ApiPropertyOptional({ example: 5, minimum: 1, default: 10, description: 'How many hits (at most MAX_K)' })
  k?: number;

  @ApiPropertyOptional({ example: 0.3, description: 'Drop hits scoring below this' })
  minScore?: number;

  @ApiPropertyOptional({
    example: 1e-5,
    description:
      'Face collections only (created with a model this server has a calibration for): drop hits whose similarity a stranger reaches with at most this probability per comparison; the answer names the threshold and false-match rate applied. Send this or minScore.',
  })
  farTarget?: number;

  /** HNSW search breadth for the whole collection; each of S shards searches with ef·S^-0.5 (its share needs less). */
  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: 10_000, description: 'HNSW search breadth as one index of the whole collection would use it; each of S shards searches with ceil(ef / sqrt(S)) (the answer\'s shardEf); larger = better recall, slower' })
  ef?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { team: 'ops' },
    description: 'Only identities whose attributes match: each key equal to the value, or to one of the values of an array ({"team": ["a", "b"]}); every key must match. Applied inside each shard\'s HNSW walk, so k is still met.',
  })
  filter?: AttributeFilter;
}
