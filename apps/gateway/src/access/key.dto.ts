import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Length } from 'class-validator';
import { API_KEY_ROLES, type ApiKeyRole } from '@faceshard/access';

export class CreateKeyDto {
  @ApiProperty({ example: 'kiosk-frontdoor', description: 'A label for people; not unique, not secret', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES, example: 'read', description: 'read: identify/verify/detect/search/get; write: + enroll/upsert/delete; admin: + keys, collections, cluster' })
  @IsIn(API_KEY_ROLES)
  role!: ApiKeyRole;

  @ApiProperty({ type: [String], example: ['faces'], description: 'Collection names this key may touch, or ["*"] for all collections' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  collections!: string[];
}

export class ApiKeyDto {
  @ApiProperty({ example: '3f9c2a7be01d4c55' })
  id!: string;

  @ApiProperty({ example: 'kiosk-frontdoor' })
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES, example: 'read' })
  role!: ApiKeyRole;

  @ApiProperty({ type: [String], example: ['faces'] })
  collections!: string[];

  @ApiProperty({ example: '2026-11-27T08:00:00.000Z' })
  created!: string;

  @ApiPropertyOptional({ example: '2026-11-27T08:05:00.000Z', description: 'Last use, to within a minute; absent if never used' })
  lastUsed?: string;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ example: 'fsk_3f9c2a7be01d4c55_q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C', description: 'The secret key. Shown in this answer only: store it now.' })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] })
  keys!: ApiKeyDto[];
}
