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
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]) ?? ADMIN_ONLY;
    if (rule.public || !this.access.enabled) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { apiKey?: ApiKeyPrincipal }>();
    try {
      const principal = this.access.authenticate(presentedKey(request.headers));
      this.access.authorize(principal, rule.role, collectionOf(request, rule.collectionBodyField ?? 'collection'));
      request.apiKey = principal;
      return true;
    } catch (err) {
      if (err instanceof FaceshardError && err.code === 'UNAUTHORIZED') {
        void context.switchToHttp().getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="faceshard"');
      }
      throw err;
    }
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
