import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { ApiKeyPrincipal, ApiKeyRole } from '@faceshard/access';
import { ErrorBodyDto } from '../openapi/error-body.dto';

export const ACCESS_RULE = 'faceshard:access-rule';
export const API_KEY_SCHEME = 'apiKey';
export const BEARER_SCHEME = 'bearer';

export type AccessRule =
  | { public: true }
  | {
      public?: false;
      role: ApiKeyRole;
      /** Body field naming the collection when no route param does (POST /v1/collections: "name"). */
      collectionBodyField?: string;
    };

/**
 * The role a route needs. The collection it acts on comes from the `:collection`, `:c` or
 * `:name` route param, else from the body's `collection` field (or `collectionBodyField`).
 * Also documents the security schemes and the 401/403 answers in the OpenAPI document.
 * A route with neither @RequiresRole nor @Public is treated as admin-only (fail closed).
 */
export function RequiresRole(role: ApiKeyRole, options: { collectionBodyField?: string } = {}) {
  return applyDecorators(
    SetMetadata(ACCESS_RULE, { role, ...options } satisfies AccessRule),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiExtension('x-faceshard-role', role),
    ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: no API key, or an unknown one', type: ErrorBodyDto }),
    ApiForbiddenResponse({ description: `FORBIDDEN: the key's role is below ${role}, or its collection scope does not cover this collection`, type: ErrorBodyDto }),
  );
}

/** Open to everyone, keys on or off: health probes. */
export const Public = () => applyDecorators(SetMetadata(ACCESS_RULE, { public: true } satisfies AccessRule), ApiExtension('x-faceshard-public', true));

/** The calling key (undefined when auth is off). */
export const CallingKey = createParamDecorator((_: unknown, ctx: ExecutionContext): ApiKeyPrincipal | undefined => {
  return (ctx.switchToHttp().getRequest() as { apiKey?: ApiKeyPrincipal }).apiKey;
});
