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
  @IsOptional()
  @IsString()
  faceId?: string;
}

export class UpsertIdentityDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FACES_PER_IDENTITY)
  @ValidateNested({ each: true })
  @Type(() => FaceDto)
  faces!: FaceDto[];

  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;

  @IsOptional()
  @IsIn(['replace', 'append'])
  mode?: 'replace' | 'append';
}

export class BatchIdentityDto extends UpsertIdentityDto {
  @IsString()
  identityId!: string;
}

export class BatchUpsertDto {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => BatchIdentityDto)
  identities!: BatchIdentityDto[];
}
