import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CreateCollectionDto } from './collection.dto';
import { CollectionsService } from './collections.service';

@Controller('v1/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Post()
  create(@Body() dto: CreateCollectionDto) {
    return this.collections.create(dto);
  }

  @Get()
  async list() {
    return { collections: await this.collections.list() };
  }

  @Get(':name')
  get(@Param('name') name: string) {
    return this.collections.require(name);
  }

  @Delete(':name')
  @HttpCode(200)
  async delete(@Param('name') name: string) {
    await this.collections.delete(name);
    return { deleted: true };
  }
}
