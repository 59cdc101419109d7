/**
 * Request examples shown in /docs. They work when pasted, in this order, against a fresh
 * server: create the collection, upsert, search (test/openapi checks both the DTOs and a run).
 */
export const EXAMPLE_COLLECTION = 'faces';
export const EXAMPLE_IDENTITY = 'alice';
const ALICE = [0.12, -0.4, 0.33, 0.85];
const BOB = [0.7, 0.1, -0.2, 0.3];

export const createCollectionExample = { name: EXAMPLE_COLLECTION, dimension: 4, metric: 'cosine' };
export const upsertIdentityExample = { faces: [{ vector: ALICE, faceId: 'passport-2024' }], attributes: { department: 'sales' } };
export const batchUpsertExample = {
  identities: [
    { identityId: 'bob', faces: [{ vector: BOB }] },
    { identityId: 'carol', faces: [{ vector: [0.05, 0.9, 0.1, -0.4] }], attributes: { department: 'support' } },
  ],
};
export const searchExample = { vector: ALICE, k: 5 };
export const createKeyExample = { name: 'kiosk-frontdoor', role: 'read', collections: [EXAMPLE_COLLECTION] };

/** Shorthand for @ApiBody's `examples`. */
export const example = (value: unknown, summary?: string) => ({ default: { summary, value } });
