import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Documentation of the photo requests (the face controller reads them itself, from multipart or
 * JSON: see faces/photo-request.ts). These classes only describe; nothing validates with them.
 */
const PHOTO =
  'The photo (JPEG, PNG or WebP): a file part in multipart/form-data (curl -F image=@photo.jpg), or its base64 in a JSON body';

export class PhotoRequestDoc {
  @ApiProperty({ type: 'string', format: 'binary', description: PHOTO })
  image!: string;
}

export class EnrollPhotoRequestDoc extends PhotoRequestDoc {
  @ApiPropertyOptional({ example: 'hr-photo-1043', description: 'Idempotency key: the same externalId twice stores one face and answers the same faceId' })
  externalId?: string;

  @ApiPropertyOptional({ example: 0.5, minimum: 0, maximum: 1, description: 'Refuse (422 FACE_QUALITY_TOO_LOW) a face below this quality.overall' })
  minQuality?: number;

  @ApiPropertyOptional({ example: false, description: 'Refuse (422) a photo with more than one face instead of taking the largest' })
  requireSingleFace?: boolean;
}

export class IdentifyPhotoRequestDoc extends PhotoRequestDoc {
  @ApiPropertyOptional({ example: 5, minimum: 1, maximum: 20, description: 'Answer at most this many faces, largest first (at most MAX_FACES_PER_PHOTO, 20 by default)' })
  maxFaces?: number;

  @ApiPropertyOptional({ example: 3, description: 'Matches per face' })
  limit?: number;

  @ApiPropertyOptional({ example: 0.95, description: "Similarity at or above which `match` is true (default: the model's calibrated identify threshold, see GET /v1/models/:id). Not with farTarget." })
  threshold?: number;

  @ApiPropertyOptional({ example: 1e-5, description: 'False-match rate per comparison the threshold is taken for, from the model\'s calibration (e.g. 1e-4 .. 1e-6). Not with threshold.' })
  farTarget?: number;

  @ApiPropertyOptional({ example: 0.3, minimum: 0, maximum: 1, description: 'Leave out faces below this quality.overall' })
  minQuality?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { department: 'sales' }, description: 'Attribute filter (JSON bodies; a JSON string in multipart)' })
  filter?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 100, description: 'HNSW search breadth per shard' })
  ef?: number;
}

export class VerifyPhotoRequestDoc {
  @ApiPropertyOptional({ type: 'string', format: 'binary', description: `With collection + identityId. ${PHOTO}` })
  image?: string;

  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'With image2: two photos compared' })
  image1?: string;

  @ApiPropertyOptional({ type: 'string', format: 'binary' })
  image2?: string;

  @ApiPropertyOptional({ example: 'faces' })
  collection?: string;

  @ApiPropertyOptional({ example: 'alice' })
  identityId?: string;

  @ApiPropertyOptional({ example: 0.94, description: "Similarity at or above which `match` is true (default: the model's calibrated verify threshold). Not with farTarget." })
  threshold?: number;

  @ApiPropertyOptional({ example: 1e-4, description: "False-match rate the threshold is taken for, from the model's calibration. Not with threshold." })
  farTarget?: number;
}

export class DetectPhotoRequestDoc extends PhotoRequestDoc {
  @ApiPropertyOptional({ example: 5, minimum: 1, maximum: 20, description: 'At most this many faces, largest first (at most MAX_FACES_PER_PHOTO, 20 by default)' })
  maxFaces?: number;

  @ApiPropertyOptional({ example: 0.3, minimum: 0, maximum: 1, description: 'Leave out faces below this quality.overall' })
  minQuality?: number;
}
