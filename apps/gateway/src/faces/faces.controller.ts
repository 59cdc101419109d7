import { Body, Controller, Delete, Get, HttpCode, Inject, Optional, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DetectPhotoRequestDoc, EnrollPhotoRequestDoc, IdentifyPhotoRequestDoc, VerifyPhotoRequestDoc } from '../openapi/photo-request.docs';
import { EXAMPLE_COLLECTION, EXAMPLE_IDENTITY } from '../openapi/examples';
import { FaceshardError } from '@faceshard/contracts';
import type { ApiKeyPrincipal } from '@faceshard/access';
import { RequiresRole } from '../access/requires-role.decorator';
import { BodyLimit } from '../http/fastify-options';
import type { AccessService } from '../access/access.service';
import { ACCESS_SERVICE } from '../gateway.tokens';
import type { FacesConfig } from './faces-config';
import { FACES_CONFIG } from './faces.tokens';
import { readPhotoRequest, type OptionSpec, type PhotoRequest } from './photo-request';
import { EnrollService } from './enroll.service';
import { IdentifyService } from './identify.service';
import { VerifyService } from './verify.service';
import { DetectService } from './detect.service';
import { FaceModelsService } from './face-models.service';
import { IdentityPagesService } from './identity-pages.service';


const ENROLL = { externalId: 'string', minQuality: 'number', requireSingleFace: 'boolean' } satisfies OptionSpec;
const IDENTIFY = { maxFaces: 'int', limit: 'int', threshold: 'number', farTarget: 'number', minQuality: 'number', filter: 'object', ef: 'int' } satisfies OptionSpec;
const VERIFY = { collection: 'string', identityId: 'string', threshold: 'number', farTarget: 'number' } satisfies OptionSpec;
const DETECT = { maxFaces: 'int', minQuality: 'number' } satisfies OptionSpec;

/** Photos in: enrol, identify, verify, detect, embed. Thin: reading the request here, the work in the services. */
@ApiTags('faces')
@Controller()
export class FacesController {
  constructor(
    @Inject(FACES_CONFIG) private readonly config: FacesConfig,
    private readonly enrollment: EnrollService,
    private readonly identification: IdentifyService,
    private readonly verification: VerifyService,
    private readonly detection: DetectService,
    private readonly models: FaceModelsService,
    private readonly pages: IdentityPagesService,
    @Optional() @Inject(ACCESS_SERVICE) private readonly access?: AccessService,
  ) {}

  @Get('v1/models')
  @ApiOperation({ summary: 'The recognizers this server has: id, dimension, metric, default match threshold, detector' })
  @RequiresRole('read')
  listModels() {
    return this.models.list();
  }

  @Get('v1/models/:id')
  @ApiOperation({
    summary: "One model: its calibration (thresholds for false-match rates 1e-1..1e-6 with the true-match rate at each, the defaults and why) and its expected accuracy by gallery size",
  })
  @ApiParam({ name: 'id', example: 'dlib-resnet-v1' })
  @RequiresRole('read')
  getModel(@Param('id') id: string) {
    return this.models.get(id);
  }

  /** 201 with the new face; 200 when the externalId, or without one the same photo, was enrolled before (same faceId, nothing written). */
  @Post('v1/collections/:collection/identities/:id/faces')
  @ApiOperation({
    summary: "Enroll the photo's face into the identity (created if new)",
    description: 'curl -F image=@alice.jpg -F externalId=hr-1043 .../v1/collections/faces/identities/alice/faces. 201 with the face; 200 when the externalId (or, without one, the same photo) was enrolled before.',
  })
  @ApiParam({ name: 'collection', example: EXAMPLE_COLLECTION })
  @ApiParam({ name: 'id', example: EXAMPLE_IDENTITY })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({ type: EnrollPhotoRequestDoc })
  @BodyLimit('photo')
  @RequiresRole('write')
  async enroll(@Param('collection') collection: string, @Param('id') id: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { images, options } = await this.photos(req, ['image'], ENROLL);
    const result = await this.enrollment.enroll(collection, id, only(images, 'image'), options);
    reply.status(result.created ? 201 : 200);
    return result;
  }

  @Delete('v1/collections/:collection/identities/:id/faces/:faceId')
  @ApiOperation({ summary: 'Remove one face from an identity' })
  @ApiParam({ name: 'collection', example: EXAMPLE_COLLECTION })
  @ApiParam({ name: 'id', example: EXAMPLE_IDENTITY })
  @RequiresRole('write')
  @HttpCode(200)
  deleteFace(@Param('collection') collection: string, @Param('id') id: string, @Param('faceId') faceId: string) {
    return this.enrollment.deleteFace(collection, id, faceId);
  }

  @Patch('v1/collections/:collection/identities/:id')
  @ApiOperation({ summary: "Replace an identity's attributes" })
  @ApiParam({ name: 'collection', example: EXAMPLE_COLLECTION })
  @ApiParam({ name: 'id', example: EXAMPLE_IDENTITY })
  @ApiBody({
    schema: { type: 'object', required: ['attributes'], properties: { attributes: { type: 'object', additionalProperties: true } } },
    examples: { default: { value: { attributes: { department: 'sales', badge: 1043 } } } },
  })
  @RequiresRole('write')
  patchIdentity(@Param('collection') collection: string, @Param('id') id: string, @Body() body: unknown) {
    const attributes = (body as { attributes?: unknown } | undefined)?.attributes;
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes) || Object.keys(body as object).length !== 1) {
      throw new FaceshardError('VALIDATION_FAILED', 'send {"attributes": {...}}: the attributes replace the identity\'s');
    }
    return this.enrollment.setAttributes(collection, id, attributes as Record<string, unknown>);
  }

  @Get('v1/collections/:collection/identities')
  @ApiOperation({ summary: 'The identities of a collection, a page at a time (pass the answer\'s cursor for the next page)' })
  @ApiParam({ name: 'collection', example: EXAMPLE_COLLECTION })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiQuery({ name: 'cursor', required: false })
  @RequiresRole('read')
  listIdentities(@Param('collection') collection: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.pages.page(collection, { limit: limit === undefined ? undefined : Number(limit), cursor });
  }

  @Post('v1/collections/:collection/identify')
  @ApiOperation({
    summary: 'Who is in this photo: every face (largest first) with its top matches',
    description: 'curl -F image=@group.jpg -F maxFaces=5 .../v1/collections/faces/identify. All faces go to the shards in one fan-out round.',
  })
  @ApiParam({ name: 'collection', example: EXAMPLE_COLLECTION })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({ type: IdentifyPhotoRequestDoc })
  @BodyLimit('photo')
  @RequiresRole('read')
  @HttpCode(200)
  async identify(@Param('collection') collection: string, @Req() req: FastifyRequest) {
    const { images, options } = await this.photos(req, ['image'], IDENTIFY);
    return this.identification.identify(collection, only(images, 'image'), options);
  }

  /** {image1, image2}, or {image, collection, identityId}. */
  @Post('v1/verify')
  @ApiOperation({
    summary: 'Is this the same person: two photos (image1 + image2), or a photo against an identity (image + collection + identityId)',
    description: 'curl -F image1=@a.jpg -F image2=@b.jpg .../v1/verify',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({ type: VerifyPhotoRequestDoc })
  @BodyLimit('photo')
  @RequiresRole('read')
  @HttpCode(200)
  async verify(@Req() req: FastifyRequest) {
    const { images, options } = await this.photos(req, ['image', 'image1', 'image2'], VERIFY);
    if (images.has('image1') || images.has('image2')) {
      if (images.has('image') || options.collection !== undefined || options.identityId !== undefined) throw verifyShape();
      return this.verification.twoPhotos(only(images, 'image1'), only(images, 'image2'), { threshold: options.threshold, farTarget: options.farTarget });
    }
    if (!images.has('image') || options.collection === undefined || options.identityId === undefined) throw verifyShape();
    // The guard saw no collection when it came as a multipart field (read after the guard): check the key's scope now.
    const key = (req as FastifyRequest & { apiKey?: ApiKeyPrincipal }).apiKey;
    if (key && this.access) this.access.authorize(key, 'read', options.collection);
    return this.verification.photoAgainstIdentity(only(images, 'image'), options.collection, options.identityId, { threshold: options.threshold, farTarget: options.farTarget });
  }

  @Post('v1/detect')
  @ApiOperation({ summary: 'Faces in a photo: boxes, keypoints, quality' })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({ type: DetectPhotoRequestDoc })
  @BodyLimit('photo')
  @RequiresRole('read')
  @HttpCode(200)
  async detect(@Req() req: FastifyRequest) {
    const { images, options } = await this.photos(req, ['image'], DETECT);
    return this.detection.detect(only(images, 'image'), options, false);
  }

  @Post('v1/embed')
  @ApiOperation({ summary: "As detect, plus each face's embedding (base64 float32), for clients who keep their own store" })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({ type: DetectPhotoRequestDoc })
  @BodyLimit('photo')
  @RequiresRole('read')
  @HttpCode(200)
  async embed(@Req() req: FastifyRequest) {
    const { images, options } = await this.photos(req, ['image'], DETECT);
    return this.detection.detect(only(images, 'image'), options, true);
  }

  private photos<S extends OptionSpec>(req: FastifyRequest, imageFields: string[], options: S): Promise<PhotoRequest<S>> {
    return readPhotoRequest(req, { imageFields, options, maxImageBytes: this.config.maxImageBytes });
  }
}

function only(images: Map<string, Buffer>, name: string): Buffer {
  const image = images.get(name);
  if (!image) throw new FaceshardError('VALIDATION_FAILED', `the photo is missing: send it as multipart part "${name}" or base64 JSON field "${name}"`, { field: name });
  return image;
}

function verifyShape(): FaceshardError {
  return new FaceshardError('VALIDATION_FAILED', 'verify takes image1 + image2, or image + collection + identityId');
}
