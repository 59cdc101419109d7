import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every non-2xx answer (documentation only; see common/http-error.filter.ts). */
export class ErrorBodyDto {
  @ApiProperty({ example: 'COLLECTION_NOT_FOUND', description: 'Stable machine-readable code' })
  code!: string;

  @ApiProperty({ example: 'collection "faces" does not exist' })
  message!: string;

  @ApiProperty({ example: false, description: 'Whether the same request may succeed if retried' })
  retryable!: boolean;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}
