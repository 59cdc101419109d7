import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../openapi/error-body.dto';

import { EXAMPLE_COLLECTION, answers, createCollectionExample, example } from '../openapi/examples';
import { scopeCovers, type ApiKeyPrincipal } from '@faceshard/access';
import { CallingKey, RequiresRole } from '../access/requires-role.decorator';
import { CreateCollectionDto } from './collection.dto';
import { CollectionsService } from './collections.service';
import { FaceModelsService } from '../faces/face-models.service';

@ApiTags('collections')
@Controller('v1/collections')
export class CollectionsController {
  constructor(
    private readonly collections: CollectionsService,
    private readonly models: FaceModelsService,
  ) {}

  /** {name, model}: a face collection; {name, dimension, metric}: embeddings only. */
  @Post()
  @ApiOperation({ summary: 'Create a collection (idempotent for an identical spec)' })
  @ApiBody({ type: CreateCollectionDto, examples: example(createCollectionExample) })
  @ApiCreatedResponse({ schema: { example: answers.collection } })
  @ApiConflictResponse({ description: 'COLLECTION_EXISTS with another spec', type: ErrorBodyDto })
  @RequiresRole('admin', { collectionBodyField: 'name' })
  async create(@Body() dto: CreateCollectionDto) {
    return this.collections.create(await this.models.collectionSpec(dto));
  }

  /** A key scoped to some collections sees those only. */
  @Get()
  @ApiOperation({ summary: 'List the collections this key may see' })
  @ApiOkResponse({ schema: { example: answers.collections } })
  @RequiresRole('read')
  async list(@CallingKey() key: ApiKeyPrincipal | undefined) {
    const all = await this.collections.list();
    return { collections: key ? all.filter((c) => scopeCovers(key, c.name)) : all };
  }

  @Get(':name')
  @ApiOperation({ summary: 'Describe a collection' })
  @ApiOkResponse({ schema: { example: answers.collection } })
  @ApiNotFoundResponse({ description: 'COLLECTION_NOT_FOUND', type: ErrorBodyDto })
  @ApiParam({ name: 'name', example: EXAMPLE_COLLECTION })
  @RequiresRole('read')
  get(@Param('name') name: string) {
    return this.collections.require(name);
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Delete a collection and everything in it' })
  @ApiOkResponse({ schema: { example: answers.deleted } })
  @ApiNotFoundResponse({ description: 'COLLECTION_NOT_FOUND', type: ErrorBodyDto })
  @ApiParam({ name: 'name', example: EXAMPLE_COLLECTION })
  @RequiresRole('admin')
  @HttpCode(200)
  async delete(@Param('name') name: string) {
    const { generation, shardsNotDropped } = await this.collections.delete(name);
    return { deleted: true, generation, shardsNotDropped };
  }
}
