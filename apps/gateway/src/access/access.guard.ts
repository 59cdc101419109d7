import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyPrincipal } from '@faceshard/access';
import { FaceshardError } from '@faceshard/contracts';
import { ACCESS_SERVICE } from '../gateway.tokens';
import type { AccessService } from './access.service';
import { ACCESS_RULE, type AccessRule } from './requires-role.decorator';

const ADMIN_ONLY: AccessRule = { role: 'admin' };
const COLLECTION_PARAMS = ['collection', 'c', 'name'] as const;

/** The global guard: every route is checked against its @RequiresRole (or is @Public). */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACCESS_SERVICE) private readonly access: AccessService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    authorizeRequest(this.access, accessRuleOf(this.reflector, context.getHandler(), context.getClass()), http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
    return true;
  }
}

/** The rule a controller method declares (@RequiresRole, @Public), else admin-only (fail closed). */
export function accessRuleOf(reflector: Reflector, handler: Function, controller: Function): AccessRule {
  return reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [handler, controller]) ?? ADMIN_ONLY;
}

/**
 * The check of one request against a route's role, for the guard and for routes served outside
 * Nest's pipeline (the search route, search/search.route.ts): authenticates the presented key,
 * authorises it for the route's collection, and leaves the principal on `request.apiKey`. Throws
 * UNAUTHORIZED (with a WWW-Authenticate header on the reply) or FORBIDDEN. Public route or auth
 * off: no check.
 */
export function authorizeRequest(access: AccessService, rule: AccessRule, request: FastifyRequest, reply: Pick<FastifyReply, 'header'>): void {
  if (rule.public || !access.enabled) return;
  try {
    const principal = access.authenticate(presentedKey(request.headers));
    access.authorize(principal, rule.role, collectionOf(request, rule.collectionBodyField ?? 'collection'));
    (request as FastifyRequest & { apiKey?: ApiKeyPrincipal }).apiKey = principal;
  } catch (err) {
    if (err instanceof FaceshardError && err.code === 'UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer realm="faceshard"');
    throw err;
  }
}

/** `X-Api-Key: <key>` or `Authorization: Bearer <key>`. */
export function presentedKey(headers: FastifyRequest['headers']): string | undefined {
  const header = headers['x-api-key'];
  const apiKey = Array.isArray(header) ? header[0] : header;
  if (apiKey) return apiKey.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

function collectionOf(request: FastifyRequest, bodyField: string): string | undefined {
  const params = (request.params ?? {}) as Record<string, unknown>;
  for (const name of COLLECTION_PARAMS) {
    if (typeof params[name] === 'string') return params[name] as string;
  }
  const body = request.body as Record<string, unknown> | null | undefined;
  const field = body && typeof body === 'object' ? body[bodyField] : undefined;
  if (typeof field === 'string') return field;
  // A multipart field attached to the body arrives as { value }.
  if (field && typeof field === 'object' && typeof (field as { value?: unknown }).value === 'string') return (field as { value: string }).value;
  return undefined;
}
