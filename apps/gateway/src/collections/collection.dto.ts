import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_DIMENSION, type Metric } from '@faceshard/contracts';

export class CreateCollectionDto {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_DIMENSION)
  dimension!: number;

  @IsOptional()
  @IsIn(['cosine', 'ip'])
  metric?: Metric;
}
