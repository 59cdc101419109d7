import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { VectorDto } from '../common/vector.dto';

export class SearchDto extends VectorDto {
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
