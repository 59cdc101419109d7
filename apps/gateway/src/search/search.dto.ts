import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { VectorDto } from '../common/vector.dto';

export class SearchDto extends VectorDto {
  /** Checked against MAX_K in the service (a config value, not a decorator constant). */
  @ApiPropertyOptional({ example: 5, minimum: 1, default: 10, description: 'How many hits (at most MAX_K)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  k?: number;

  @ApiPropertyOptional({ example: 0.3, description: 'Drop hits scoring below this' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  minScore?: number;

  /** HNSW search breadth per shard; larger = better recall, slower. */
  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: 10_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  ef?: number;
}
