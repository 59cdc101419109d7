import { IsArray, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';

export class SearchDto {
  @IsOptional()
  @IsArray()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  vector?: number[];

  @IsOptional()
  @IsString()
  vectorB64?: string;

  /** Checked against MAX_K in the service (a config value, not a decorator constant). */
  @IsOptional()
  @IsInt()
  @Min(1)
  k?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  minScore?: number;

  /** HNSW search breadth per shard; larger = better recall, slower. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  ef?: number;
}
