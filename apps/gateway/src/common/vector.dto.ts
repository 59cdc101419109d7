import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsOptional, IsString } from 'class-validator';

/**
 * A vector in a request body: a JSON array of numbers, or `vectorB64` (see vector-input.ts).
 * Its components are not decorated: readVector checks them in the one pass that converts them
 * (class-validator's `each` ran every rule per component: ~170 µs for a 512-D vector).
 */
export class VectorDto {
  @ApiPropertyOptional({ type: [Number], example: [0.12, -0.4, 0.33, 0.85], description: "The vector as JSON numbers (the collection's dimension). Send this or vectorB64." })
  @IsOptional()
  @IsArray()
  vector?: number[];

  @ApiPropertyOptional({ description: 'The vector as base64 of little-endian float32 bytes (compact, exact). Send this or vector.' })
  @IsOptional()
  @IsString()
  vectorB64?: string;
}
