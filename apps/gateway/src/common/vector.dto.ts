import { IsArray, IsNumber, IsOptional, IsString } from 'class-validator';

/** A vector in a request body: a JSON array of numbers, or `vectorB64` (see vector-input.ts). */
export class VectorDto {
  @IsOptional()
  @IsArray()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  vector?: number[];

  @IsOptional()
  @IsString()
  vectorB64?: string;
}
