import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { VectorDto } from '../common/vector.dto';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  ValidateNested,
} from 'class-validator';

/** Faces per identity in one request: enough for any enrolment, small enough to bound a message. */
export const MAX_FACES_PER_IDENTITY = 64;

export class FaceDto extends VectorDto {
  @ApiPropertyOptional({ example: 'passport-2024', description: 'Stable id of this face within the identity; derived from the vector when absent' })
  @IsOptional()
  @IsString()
  faceId?: string;
}

export class UpsertIdentityDto {
  @ApiProperty({ type: [FaceDto], minItems: 1, maxItems: MAX_FACES_PER_IDENTITY })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FACES_PER_IDENTITY)
  @ValidateNested({ each: true })
  @Type(() => FaceDto)
  faces!: FaceDto[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { department: 'sales' }, description: 'Free-form attributes, usable in search filters' })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ['replace', 'append'], default: 'replace', description: "replace: these faces become the identity's faces; append: added to them" })
  @IsOptional()
  @IsIn(['replace', 'append'])
  mode?: 'replace' | 'append';
}

export class BatchIdentityDto extends UpsertIdentityDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  identityId!: string;
}

export class BatchUpsertDto {
  @ApiProperty({ type: [BatchIdentityDto], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => BatchIdentityDto)
  identities!: BatchIdentityDto[];
}
