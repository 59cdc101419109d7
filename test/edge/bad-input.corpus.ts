/**
 * Requests an adversarial client may send to the HTTP edge. Every one must answer 4xx with
 * the API's error shape and a machine-readable code, and change nothing stored. The corpus is
 * data: bad-input.test.ts runs it against the embedded platform and against a NATS cluster.
 *
 * The fixture it runs against (see seedFixture): collection `people` (4-D, cosine) holding
 * `alice`, and collection `ipc` (4-D, inner product).
 */
export interface BadInput {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  contentType?: string;
  status: number;
  code: string;
  /** The whole message, where its wording is what the case is about. */
  message?: string;
}

const unit = [1, 0, 0, 0];
const json = 'application/json';
/** Base64 of little-endian float32 values (NaN and Infinity included, which JSON cannot carry). */
const b64 = (...values: number[]) => Buffer.from(Float32Array.from(values).buffer).toString('base64');
const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const identity = (extra: Record<string, unknown> = {}) => ({ faces: [{ vector: unit }], ...extra });
const batchOf = (n: number, entry: (i: number) => unknown) => ({ identities: Array.from({ length: n }, (_, i) => entry(i)) });

export const BAD_INPUTS: BadInput[] = [
  // Malformed bodies
  { name: 'malformed JSON', method: 'POST', path: '/v1/collections/people/search', body: '{"vector":[1,0,', status: 400, code: 'INVALID_JSON' },
  { name: 'empty JSON body', method: 'POST', path: '/v1/collections', body: '', contentType: json, status: 400, code: 'INVALID_JSON' },
  { name: 'JSON that is a bare string', method: 'PUT', path: '/v1/collections/people/identities/alice', body: '"alice"', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'JSON that is an array', method: 'PUT', path: '/v1/collections/people/identities/alice', body: '[1,2,3]', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'JSON null', method: 'PUT', path: '/v1/collections/people/identities/alice', body: 'null', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'prototype pollution', method: 'PUT', path: '/v1/collections/people/identities/alice', body: '{"faces":[{"vector":[1,0,0,0]}],"__proto__":{"admin":true}}', status: 400, code: 'INVALID_JSON' },
  { name: 'constructor.prototype pollution', method: 'PUT', path: '/v1/collections/people/identities/alice', body: '{"faces":[{"vector":[1,0,0,0]}],"constructor":{"prototype":{"x":1}}}', status: 400, code: 'INVALID_JSON' },
  { name: 'text/plain body', method: 'POST', path: '/v1/collections', body: 'name=x', contentType: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'XML body', method: 'POST', path: '/v1/collections', body: '<name>x</name>', contentType: 'application/xml', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'form body', method: 'PUT', path: '/v1/collections/people/identities/alice', body: 'faces=1', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'deeply nested attributes (100k levels)', method: 'PUT', path: '/v1/collections/people/identities/alice', body: `{"faces":[{"vector":[1,0,0,0]}],"attributes":${nested(100_000)}}`, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'deeply nested unknown field', method: 'POST', path: '/v1/collections/people/search', body: `{"vector":[1,0,0,0],"x":${nested(40)}}`, status: 400, code: 'VALIDATION_FAILED' },

  // Wrong types and values
  { name: 'dimension as a string', method: 'POST', path: '/v1/collections', body: { name: 'typed', dimension: '4' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'dimension 0', method: 'POST', path: '/v1/collections', body: { name: 'zero', dimension: 0 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'dimension a billion', method: 'POST', path: '/v1/collections', body: { name: 'huge', dimension: 1e9 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'unknown metric', method: 'POST', path: '/v1/collections', body: { name: 'l2c', dimension: 4, metric: 'l2' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'existing collection again', method: 'POST', path: '/v1/collections', body: { name: 'people', dimension: 8 }, status: 409, code: 'COLLECTION_EXISTS' },
  { name: 'faces as a string', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: 'x' }, status: 400, code: 'VALIDATION_FAILED', message: 'faces must be an array' },
  { name: 'no faces at all', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { attributes: { team: 'x' } }, status: 400, code: 'VALIDATION_FAILED', message: 'faces is required' },
  { name: 'no faces', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: [] }, status: 400, code: 'VALIDATION_FAILED' },
  { name: '65 faces', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: Array.from({ length: 65 }, () => ({ vector: unit })) }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'vector of strings', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: [{ vector: ['1', '0', '0', '0'] }] }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'vector of nulls', method: 'POST', path: '/v1/collections/people/search', body: { vector: [null, null, null, null] }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'attributes as an array', method: 'PUT', path: '/v1/collections/people/identities/alice', body: identity({ attributes: [1, 2] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'unknown mode', method: 'PUT', path: '/v1/collections/people/identities/alice', body: identity({ mode: 'merge' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'unknown field', method: 'PUT', path: '/v1/collections/people/identities/alice', body: identity({ owner: 'mallory' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'duplicate face ids', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: [{ faceId: 'f', vector: unit }, { faceId: 'f', vector: unit }] }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'k negative', method: 'POST', path: '/v1/collections/people/search', body: { vector: unit, k: -1 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'k fractional', method: 'POST', path: '/v1/collections/people/search', body: { vector: unit, k: 1.5 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'k as a string', method: 'POST', path: '/v1/collections/people/search', body: { vector: unit, k: '10' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'k a billion', method: 'POST', path: '/v1/collections/people/search', body: { vector: unit, k: 1e9 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'minScore as a string', method: 'POST', path: '/v1/collections/people/search', body: { vector: unit, minScore: 'high' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'ef zero', method: 'POST', path: '/v1/collections/people/search', body: { vector: unit, ef: 0 }, status: 400, code: 'VALIDATION_FAILED' },

  // Vectors
  { name: 'wrong dimension', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: [{ vector: [1, 0, 0] }] }, status: 400, code: 'DIMENSION_MISMATCH' },
  { name: 'zero vector for cosine', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: [{ vector: [0, 0, 0, 0] }] }, status: 400, code: 'INVALID_VECTOR' },
  { name: 'number over float32 range (1e39)', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: [{ vector: [1e39, 0, 0, 0] }] }, status: 400, code: 'INVALID_VECTOR' },
  { name: 'number over float64 range (1e400 parses as Infinity)', method: 'POST', path: '/v1/collections/people/search', body: '{"vector":[1e400,0,0,0]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a 10,000-digit number', method: 'POST', path: '/v1/collections/people/search', body: `{"vector":[${'9'.repeat(10_000)},0,0,0]}`, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'NaN by base64', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: [{ vectorB64: b64(1, Number.NaN, 0, 0) }] }, status: 400, code: 'INVALID_VECTOR' },
  { name: 'Infinity by base64 in a search', method: 'POST', path: '/v1/collections/people/search', body: { vectorB64: b64(1, Number.POSITIVE_INFINITY, 0, 0) }, status: 400, code: 'INVALID_VECTOR' },
  { name: 'base64 that is not base64', method: 'POST', path: '/v1/collections/people/search', body: { vectorB64: '!!!!' }, status: 400, code: 'INVALID_VECTOR' },
  { name: 'base64 of a ragged byte count', method: 'POST', path: '/v1/collections/people/search', body: { vectorB64: Buffer.from([1, 2, 3]).toString('base64') }, status: 400, code: 'INVALID_VECTOR' },
  { name: 'both vector and vectorB64', method: 'POST', path: '/v1/collections/people/search', body: { vector: unit, vectorB64: b64(1, 0, 0, 0) }, status: 400, code: 'INVALID_VECTOR' },
  { name: 'huge finite vector in an ip collection (write)', method: 'PUT', path: '/v1/collections/ipc/identities/big', body: { faces: [{ vector: [1e20, 1e20, 0, 0] }] }, status: 400, code: 'INVALID_VECTOR' },
  { name: 'huge finite vector in an ip collection (search, base64)', method: 'POST', path: '/v1/collections/ipc/search', body: { vectorB64: b64(3e38, 3e38, 3e38, 3e38) }, status: 400, code: 'INVALID_VECTOR' },

  // Sizes
  { name: 'attributes over the size limit', method: 'PUT', path: '/v1/collections/people/identities/alice', body: identity({ attributes: { note: 'x'.repeat(5000) } }), status: 413, code: 'ATTRIBUTES_TOO_LARGE' },
  { name: 'one entry of a batch with oversize attributes', method: 'POST', path: '/v1/collections/people/identities/batch', body: batchOf(3, (i) => ({ identityId: `b${i}`, faces: [{ vector: unit }], attributes: { note: 'x'.repeat(i === 2 ? 5000 : 10) } })), status: 413, code: 'ATTRIBUTES_TOO_LARGE' },
  { name: 'search body over the default body limit', method: 'POST', path: '/v1/collections/people/search', body: { vector: unit, pad: 'x'.repeat(1100 * 1024) }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'batch over MAX_BATCH, refused before validating entries', method: 'POST', path: '/v1/collections/people/identities/batch', body: batchOf(1001, (i) => ({ identityId: `n${i}`, faces: 'not an array' })), status: 413, code: 'BATCH_TOO_LARGE' },
  { name: 'batch with an entry of the wrong dimension', method: 'POST', path: '/v1/collections/people/identities/batch', body: batchOf(5, (i) => ({ identityId: `d${i}`, faces: [{ vector: i === 4 ? [1, 0] : unit }] })), status: 400, code: 'DIMENSION_MISMATCH' },
  { name: 'batch with a duplicate id', method: 'POST', path: '/v1/collections/people/identities/batch', body: batchOf(2, () => ({ identityId: 'twice', faces: [{ vector: unit }] })), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'empty batch', method: 'POST', path: '/v1/collections/people/identities/batch', body: { identities: [] }, status: 400, code: 'VALIDATION_FAILED' },

  // Ids and names
  { name: 'listing cursor never given out', method: 'GET', path: '/v1/collections/people/identities?cursor=garbage', status: 400, code: 'VALIDATION_FAILED', message: 'cursor is not one this server gave out' },
  { name: 'unicode id (é)', method: 'PUT', path: `/v1/collections/people/identities/${encodeURIComponent('élève')}`, body: identity(), status: 400, code: 'INVALID_ID' },
  { name: 'emoji id', method: 'PUT', path: `/v1/collections/people/identities/${encodeURIComponent('🙂')}`, body: identity(), status: 400, code: 'INVALID_ID' },
  { name: 'right-to-left override in an id', method: 'GET', path: `/v1/collections/people/identities/${encodeURIComponent('al\u202Eice')}`, status: 400, code: 'INVALID_ID' },
  { name: 'NUL byte in an id', method: 'DELETE', path: '/v1/collections/people/identities/alice%00', status: 400, code: 'INVALID_ID' },
  { name: 'unicode id in a batch', method: 'POST', path: '/v1/collections/people/identities/batch', body: batchOf(1, () => ({ identityId: 'ålice', faces: [{ vector: unit }] })), status: 400, code: 'INVALID_ID' },
  { name: 'unicode collection name', method: 'POST', path: '/v1/collections', body: { name: 'pëople', dimension: 4 }, status: 400, code: 'INVALID_ID' },
  { name: 'path traversal in a collection name (body)', method: 'POST', path: '/v1/collections', body: { name: '../../etc', dimension: 4 }, status: 400, code: 'INVALID_ID' },
  { name: 'path traversal in a collection name (URL, encoded slashes)', method: 'GET', path: '/v1/collections/..%2F..%2Fetc', status: 400, code: 'INVALID_ID' },
  { name: 'path traversal in an identity id', method: 'PUT', path: '/v1/collections/people/identities/..%2Falice', body: identity(), status: 400, code: 'INVALID_ID' },
  { name: 'dot-dot as an identity id', method: 'DELETE', path: '/v1/collections/people/identities/..%2E', status: 400, code: 'INVALID_ID' },
  { name: 'a face id with a slash', method: 'PUT', path: '/v1/collections/people/identities/alice', body: { faces: [{ faceId: 'a/b', vector: unit }] }, status: 400, code: 'INVALID_ID' },
  { name: 'NATS wildcard in a collection name', method: 'POST', path: '/v1/collections', body: { name: 'people.>', dimension: 4 }, status: 400, code: 'INVALID_ID' },
  { name: 'id of 129 characters', method: 'PUT', path: `/v1/collections/people/identities/${'a'.repeat(129)}`, body: identity(), status: 400, code: 'INVALID_ID' },
  { name: 'id of 1,000 characters', method: 'GET', path: `/v1/collections/people/identities/${'a'.repeat(1000)}`, status: 400, code: 'INVALID_ID' },
  { name: 'collection name of 5,000 characters', method: 'DELETE', path: `/v1/collections/${'c'.repeat(5000)}`, status: 400, code: 'INVALID_ID' },
  { name: 'bad percent-encoding', method: 'GET', path: '/v1/collections/%zz', status: 400, code: 'VALIDATION_FAILED' },

  // Things that do not exist
  { name: 'unknown collection', method: 'POST', path: '/v1/collections/nobody/search', body: { vector: unit }, status: 404, code: 'COLLECTION_NOT_FOUND' },
  { name: 'unknown identity', method: 'DELETE', path: '/v1/collections/people/identities/bob', status: 404, code: 'IDENTITY_NOT_FOUND' },
  { name: 'unknown route', method: 'GET', path: '/v1/nothing', status: 404, code: 'NOT_FOUND' },
];
