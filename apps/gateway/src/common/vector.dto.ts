import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsNumber, IsOptional, IsString } from 'class-validator';

/** A vector in a request body: a JSON array of numbers, or `vectorB64` (see vector-input.ts). */
export class VectorDto {
  @ApiPropertyOptional({ type: [Number], example: [0.12, -0.4, 0.33, 0.85], description: "The vector as JSON numbers (the collection's dimension). Send this or vectorB64." })
  @IsOptional()
  @IsArray()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  vector?: number[];

  @ApiPropertyOptional({ description: 'The vector as base64 of little-endian float32 bytes (compact, exact). Send this or vector.' })
  @IsOptional()
  @IsString()
  vectorB64?: string;
}
