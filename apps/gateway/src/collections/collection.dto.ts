import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_DIMENSION, type Metric } from '@faceshard/contracts';

export class CreateCollectionDto {
  @ApiProperty({ example: 'faces', description: '1-128 of letters, digits, "_", ".", ":", "-"; starts with a letter or digit' })
  @IsString()
  name!: string;

  @ApiPropertyOptional({ example: 'dlib-resnet-v1', description: 'A face collection: the model (GET /v1/models) fixes dimension and metric' })
  @IsOptional()
  @IsString()
  model?: string;

  @ApiPropertyOptional({ example: 4, minimum: 1, maximum: MAX_DIMENSION, description: 'Embeddings only (no model): the dimension, fixed for the collection' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DIMENSION)
  dimension?: number;

  @ApiPropertyOptional({ enum: ['cosine', 'ip'], default: 'cosine', example: 'cosine' })
  @IsOptional()
  @IsIn(['cosine', 'ip'])
  metric?: Metric;
}
