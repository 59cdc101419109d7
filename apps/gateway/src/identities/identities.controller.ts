import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../openapi/error-body.dto';

import { EXAMPLE_COLLECTION, EXAMPLE_IDENTITY, answers, batchUpsertExample, example, upsertIdentityExample } from '../openapi/examples';
import { RequiresRole } from '../access/requires-role.decorator';
import { BodyLimit } from '../http/fastify-options';
import { BatchCountGuard } from './batch-count.guard';
import { BatchUpsertDto, UpsertIdentityDto } from './identity.dto';
import { IdentitiesService } from './identities.service';

@ApiTags('identities')
@ApiParam({ name: 'collection', example: EXAMPLE_COLLECTION })
@ApiNotFoundResponse({ description: 'COLLECTION_NOT_FOUND or IDENTITY_NOT_FOUND', type: ErrorBodyDto })
@Controller('v1/collections/:collection/identities')
export class IdentitiesController {
  constructor(private readonly identities: IdentitiesService) {}

  /** 200 when every identity was written; 207 when some owner shard failed (see `failed`). */
  @Post('batch')
  @ApiOperation({ summary: 'Upsert many identities (200 all written; 207 some owner shard failed: see failed)' })
  @ApiBody({ type: BatchUpsertDto, examples: example(batchUpsertExample) })
  @ApiOkResponse({ schema: { example: answers.batch } })
  @RequiresRole('write')
  @BodyLimit('batch')
  @UseGuards(BatchCountGuard)
  async batch(@Param('collection') collection: string, @Body() dto: BatchUpsertDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.identities.upsertBatch(collection, dto.identities);
    reply.status(result.failed.length > 0 ? 207 : 200);
    return result;
  }

  @Put(':id')
  @ApiOperation({ summary: 'Create or replace an identity with its face vectors' })
  @ApiParam({ name: 'id', example: EXAMPLE_IDENTITY })
  @ApiBody({ type: UpsertIdentityDto, examples: example(upsertIdentityExample) })
  @ApiOkResponse({ schema: { example: answers.upserted } })
  @RequiresRole('write')
  @BodyLimit('identity')
  upsert(@Param('collection') collection: string, @Param('id') id: string, @Body() dto: UpsertIdentityDto) {
    return this.identities.upsert(collection, id, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An identity, its faces and attributes' })
  @ApiOkResponse({ schema: { example: answers.identity } })
  @ApiParam({ name: 'id', example: EXAMPLE_IDENTITY })
  @RequiresRole('read')
  get(@Param('collection') collection: string, @Param('id') id: string) {
    return this.identities.get(collection, id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete an identity from every shard' })
  @ApiOkResponse({ schema: { example: answers.deleted } })
  @ApiParam({ name: 'id', example: EXAMPLE_IDENTITY })
  @RequiresRole('write')
  @HttpCode(200)
  delete(@Param('collection') collection: string, @Param('id') id: string) {
    return this.identities.delete(collection, id);
  }
}
