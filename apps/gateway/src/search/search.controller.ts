import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto } from '../openapi/error-body.dto';

import { EXAMPLE_COLLECTION, answers, example, searchExample } from '../openapi/examples';
import { RequiresRole } from '../access/requires-role.decorator';
import { DirectRoute } from '../http/direct-routes';
import { parseSearchBody } from './search-body';
import { SearchDto } from './search.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@Controller('v1/collections/:collection/search')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Post()
  @ApiOperation({ summary: 'Nearest identities to a vector (exact top-k merge over every shard; partial + missingShards when some did not answer)' })
  @ApiParam({ name: 'collection', example: EXAMPLE_COLLECTION })
  @ApiBody({ type: SearchDto, examples: example(searchExample) })
  @ApiOkResponse({ schema: { example: answers.search } })
  @ApiNotFoundResponse({ description: 'COLLECTION_NOT_FOUND', type: ErrorBodyDto })
  @RequiresRole('read')
  @HttpCode(200)
  // Served by SearchRoute (search.route.ts) straight from Fastify, without Nest's guard, pipes and
  // response handling (the search hot path); this method declares the route and is what it does.
  @DirectRoute('search')
  // `body: unknown` (not SearchDto): parseSearchBody + readVector validate it once, in one pass.
  search(@Param('collection') collection: string, @Body() body: unknown) {
    return this.searchService.search(collection, parseSearchBody(body));
  }
}
