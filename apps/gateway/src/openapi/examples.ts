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

/** Answers as the embedded platform gives them for the examples above (illustration, not schema). */
const SHARD = 'shard-56547a43b2';
export const answers = {
  collection: createCollectionExample,
  collections: { collections: [createCollectionExample] },
  upserted: { identityId: EXAMPLE_IDENTITY, faces: 1, shardId: SHARD, ringEpoch: 1 },
  batch: { upserted: 2, faces: 2, failed: [], ringEpoch: 1 },
  identity: { identityId: EXAMPLE_IDENTITY, faceIds: ['passport-2024'], attributes: { department: 'sales' }, shardId: SHARD },
  deleted: { deleted: true },
  search: {
    hits: [{ identityId: EXAMPLE_IDENTITY, faceId: 'passport-2024', score: 1, attributes: { department: 'sales' }, shardId: SHARD }],
    partial: false,
    missingShards: [],
    ringEpoch: 1,
    tookMs: 1.9,
    shardEf: { [SHARD]: 100 },
  },
  cluster: {
    ringEpoch: 1,
    readEpoch: null,
    writeEpoch: null,
    readMembers: [SHARD],
    members: [{ shardId: SHARD, health: 'up', lastHeartbeatMs: 1795770259112, state: 'active', collections: [{ ...createCollectionExample, identities: 3, faces: 3 }], storage: { state: 'ok', reloads: 0 } }],
    move: null,
  },
};
