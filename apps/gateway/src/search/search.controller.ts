import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { SearchDto } from './search.dto';
import { SearchService } from './search.service';

@Controller('v1/collections/:collection/search')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Post()
  @HttpCode(200)
  search(@Param('collection') collection: string, @Body() dto: SearchDto) {
    return this.searchService.search(collection, dto);
  }
}
