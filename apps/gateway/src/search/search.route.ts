import { Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_SERVICE } from '../gateway.tokens';
import type { AccessService } from '../access/access.service';
import { accessRuleOf, authorizeRequest } from '../access/access.guard';
import type { AccessRule } from '../access/requires-role.decorator';
import { sendHttpError } from '../common/http-error.filter';
import type { DirectRouteHandler } from '../http/direct-routes';
import { parseSearchBody } from './search-body';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';

/**
 * POST /v1/collections/:collection/search without Nest's per-request machinery (see
 * http/direct-routes.ts): the access check the global guard makes, with the rule the
 * controller declares; the body read by parseSearchBody; the service's answer sent with 200;
 * any error in the API's shape by the global filter's own function. SearchController declares
 * the route (path, role, OpenAPI) and is what this serves.
 */
@Injectable()
export class SearchRoute implements DirectRouteHandler {
  /** The filter's logger name, so an unexpected error is logged as before. */
  private readonly logger = new Logger('HttpErrorFilter');
  private readonly rule: AccessRule;

  constructor(
    private readonly searchService: SearchService,
    @Inject(ACCESS_SERVICE) private readonly access: AccessService,
    reflector: Reflector,
  ) {
    this.rule = accessRuleOf(reflector, SearchController.prototype.search, SearchController);
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    try {
      authorizeRequest(this.access, this.rule, request, reply);
      const { collection } = request.params as { collection: string };
      const result = await this.searchService.search(collection, parseSearchBody(request.body));
      return reply.status(200).send(result);
    } catch (err) {
      sendHttpError(reply, err, this.logger);
      return reply;
    }
  }
}
