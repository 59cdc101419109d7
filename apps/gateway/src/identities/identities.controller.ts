import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../access/requires-role.decorator';
import { BodyLimit } from '../http/fastify-options';
import { BatchCountGuard } from './batch-count.guard';
import { BatchUpsertDto, UpsertIdentityDto } from './identity.dto';
import { IdentitiesService } from './identities.service';

@ApiTags('identities')
@Controller('v1/collections/:collection/identities')
export class IdentitiesController {
  constructor(private readonly identities: IdentitiesService) {}

  /** 200 when every identity was written; 207 when some owner shard failed (see `failed`). */
  @Post('batch')
  @RequiresRole('write')
  @BodyLimit('batch')
  @UseGuards(BatchCountGuard)
  async batch(@Param('collection') collection: string, @Body() dto: BatchUpsertDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.identities.upsertBatch(collection, dto.identities);
    reply.status(result.failed.length > 0 ? 207 : 200);
    return result;
  }

  @Put(':id')
  @RequiresRole('write')
  @BodyLimit('identity')
  upsert(@Param('collection') collection: string, @Param('id') id: string, @Body() dto: UpsertIdentityDto) {
    return this.identities.upsert(collection, id, dto);
  }

  @Get(':id')
  @RequiresRole('read')
  get(@Param('collection') collection: string, @Param('id') id: string) {
    return this.identities.get(collection, id);
  }

  @Delete(':id')
  @RequiresRole('write')
  @HttpCode(200)
  delete(@Param('collection') collection: string, @Param('id') id: string) {
    return this.identities.delete(collection, id);
  }
}
