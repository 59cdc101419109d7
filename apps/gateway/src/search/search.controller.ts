import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequiresRole } from '../access/requires-role.decorator';
import { SearchDto } from './search.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@Controller('v1/collections/:collection/search')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Post()
  @RequiresRole('read')
  @HttpCode(200)
  search(@Param('collection') collection: string, @Body() dto: SearchDto) {
    return this.searchService.search(collection, dto);
  }
}
