import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call } from '../support/cluster-harness';
import { parseSearchBody } from '../../apps/gateway/src/search/search-body';

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string; example?: unknown; schema?: { example?: unknown } }[];
  requestBody?: { content: Record<string, { schema?: { $ref?: string }; examples?: Record<string, { value: unknown }>; example?: unknown }> };
  responses: Record<string, unknown>;
  security?: Record<string, string[]>[];
  'x-faceshard-role'?: string;
  'x-faceshard-public'?: boolean;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, any> } };

const ADMIN = 'openapi-test-admin-key-' + 'y'.repeat(24);
const SERVED_BY_SWAGGER = (url: string) => url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/');

/** Body DTO classes by name, read from Nest's own route metadata: what the validation pipe will use. */
/** Bodies whose documented class only documents: the controller validates them with this function. */
const BODY_PARSERS: Record<string, (body: unknown) => unknown> = { SearchDto: parseSearchBody };

function bodyDtoClasses(): Map<string, new () => object> {
  const classes = new Map<string, new () => object>();
  const controllers = GatewayModule.forRoot({ config: {}, transport: {}, metadata: {}, access: {} } as never).controllers ?? [];
  for (const controller of controllers) {
    const proto = (controller as { prototype: object }).prototype;
    for (const method of Object.getOwnPropertyNames(proto)) {
      const args: Record<string, { index: number }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {};
      const types: unknown[] = Reflect.getMetadata('design:paramtypes', proto, method) ?? [];
      for (const [key, { index }] of Object.entries(args)) {
        const type = types[index] as (new () => object) | undefined;
        if (key.startsWith(`${RouteParamtypes.BODY}:`) && type && type !== Object) classes.set(type.name, type);
      }
    }
  }
  return classes;
}

const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

describe('OpenAPI document', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-openapi-'));
  // FACE_PRELOAD=false: these tests check the document, not faces; loading the ONNX models would only slow every start.
  const env = { DATA_DIR: dataDir, PORT: '0', FACESHARD_AUTH: 'on', FACESHARD_ADMIN_KEY: ADMIN, FACE_PRELOAD: 'false' };
  let platform: RunningPlatform;
  let doc: Doc;
  beforeAll(async () => {
    platform = await startPlatform(readGatewayConfig(env), env);
    const res = await call(platform.gateway.url, 'GET', '/openapi.json'); // open, no key
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('documents every route the router serves (and nothing it does not)', () => {
    const served = platform.gateway.routes
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !SERVED_BY_SWAGGER(r.url))
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
      .sort();
    const documented = operations(doc)
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(served.length).toBeGreaterThan(10);
    expect(documented).toEqual(served);
  });

  it('says for every operation who may call it, and documents the key schemes and the 401/403 answers', () => {
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Api-Key' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { path, method, op } of operations(doc)) {
      const where = `${method} ${path}`;
      if (op['x-faceshard-public']) {
        expect(op.security, where).toBeUndefined();
        continue;
      }
      expect(['read', 'write', 'admin'], where).toContain(op['x-faceshard-role']);
      expect(op.security, where).toEqual(expect.arrayContaining([{ apiKey: [] }, { bearer: [] }]));
      expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '403']));
    }
    const publicOps = operations(doc).filter(({ op }) => op['x-faceshard-public']).map(({ path }) => path);
    expect(publicOps).toContain('/health');
    // Probes, and the Prometheus scrape (open by default: METRICS_REQUIRE_KEY checks a key inside the handler).
    expect(publicOps.every((p) => p.startsWith('/health') || p === '/metrics'), publicOps.join()).toBe(true);
  });

  it('gives every JSON body an example, and every example passes its DTO validation', () => {
    const classes = bodyDtoClasses();
    let checked = 0;
    for (const { path, method, op } of operations(doc)) {
      const json = op.requestBody?.content['application/json'];
      const ref = json?.schema?.$ref;
      // Photo routes read multipart or JSON themselves: their body classes only document.
      if (!ref || op.requestBody?.content['multipart/form-data']) continue;
      const name = ref.split('/').at(-1)!;
      const examples = [...Object.values(json!.examples ?? {}).map((e) => e.value), ...(json!.example === undefined ? [] : [json!.example])];
      expect(examples.length, `${method} ${path} has no example`).toBeGreaterThan(0);
      const parse = BODY_PARSERS[name];
      if (parse) {
        // Read by a hand-written one-pass parser (the search hot path), not by decorators.
        for (const value of examples) {
          expect(() => parse(value), `${method} ${path}`).not.toThrow();
          checked++;
        }
        continue;
      }
      const dto = classes.get(name);
      expect(dto, `${method} ${path}: ${name} is not a body DTO of any controller`).toBeDefined();
      for (const value of examples) {
        const errors = validateSync(plainToInstance(dto!, value), { whitelist: true, forbidNonWhitelisted: true });
        expect(errors.map((e) => e.toString()), `${method} ${path}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('runs the examples as pasted: create, upsert, batch, search finds the example identity', async () => {
    const send = async (method: string, path: string) => {
      const op = doc.paths[path][method];
      const url = path.replace(/\{([^}]+)\}/g, (_, name) => {
        const param = op.parameters!.find((p) => p.name === name)!;
        return String(param.example ?? param.schema?.example);
      });
      const body = Object.values(op.requestBody?.content['application/json']?.examples ?? {})[0]?.value;
      const res = await call(platform.gateway.url, method.toUpperCase(), url, body, { 'x-api-key': ADMIN });
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    };
    await send('post', '/v1/collections');
    expect((await send('post', '/v1/keys')).key).toMatch(/^fsk_/);
    await send('put', '/v1/collections/{collection}/identities/{id}');
    await send('post', '/v1/collections/{collection}/identities/batch');
    const found = await send('post', '/v1/collections/{collection}/search');
    expect(found.hits[0].identityId).toBe('alice');
    expect((await send('get', '/v1/collections/{collection}/identities/{id}')).identityId).toBe('alice');
  });

  it('serves the browsable docs at /docs without a key', async () => {
    const page = await fetch(platform.gateway.url + '/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/swagger-ui/i);
  });
});
