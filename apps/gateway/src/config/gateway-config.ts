import { resolve } from 'node:path';
import { intFrom, nonNegativeIntFrom, oneOf } from '@faceshard/config';
import { resolveAuthMode, type AuthMode } from '../access/auth-mode';
import { readFacesConfig, type FacesConfig } from '../faces/faces-config';
import { readAccessLogPolicy, type AccessLogPolicy } from '../http/access-log-policy';

export type Role = 'embedded' | 'gateway' | 'shard';

/** Everything the gateway is told from outside. Read once at start-up. */
export interface GatewayConfig {
  role: Role;
  host: string;
  port: number;
  /** Cluster name: namespaces NATS subjects and the metadata bucket. */
  cluster: string;
  natsUrl?: string;
  dataDir: string;
  embeddedShards: number;
  searchTimeoutMs: number;
  writeTimeoutMs: number;
  maxBatch: number;
  maxK: number;
  /** A shard silent for this long is reported down. */
  shardDownAfterMs: number;
  /** Stream replicas of the JetStream metadata bucket (3 on a 3-node NATS cluster). */
  metadataReplicas: number;
  /** API keys required (`on`) or not; off only on a loopback HOST (see access/auth-mode.ts). */
  auth: AuthMode;
  /** FACESHARD_ADMIN_KEY: an admin key for every collection, known from configuration. */
  adminKey?: string;
  /** Largest request body per kind of route, in bytes (see http/fastify-options.ts). */
  bodyLimits: { default: number; identity: number; batch: number; photo: number };
  /** Largest `attributes` of one identity, as JSON bytes: bounds what every search hit carries. */
  maxAttributesBytes: number;
  /**
   * Coalescing of concurrent searches to the same shard and collection into one message (see
   * fan-out/search-coalescer.ts): the longest a search waits for company, in microseconds, and
   * how many queries fill a message. Either 0 = off.
   */
  searchBatch: { windowUs: number; maxQueries: number };
  /** The face API (photos in); defaults when absent. */
  faces?: FacesConfig;
  /** Longest CPU profile an admin may ask for (POST /v1/admin/profile); 60 when absent. */
  profileMaxSeconds?: number;
  /** Which requests get an access-log line at info (ACCESS_LOG_SLOW_MS, ACCESS_LOG_SAMPLE); defaults when absent. */
  accessLog?: AccessLogPolicy;
}

export function readGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const natsUrl = env.NATS_URL || undefined;
  const role = oneOf<Role>('FACESHARD_ROLE', env.FACESHARD_ROLE, ['embedded', 'gateway', 'shard'], natsUrl ? 'gateway' : 'embedded');
  if (role !== 'embedded' && !natsUrl) throw new Error(`FACESHARD_ROLE=${role} needs NATS_URL`);
  const host = env.HOST || '127.0.0.1';
  const faces = readFacesConfig(env);
  return {
    role,
    host,
    port: env.PORT === '0' ? 0 : intFrom(env.PORT, 8080),
    cluster: env.FACESHARD_CLUSTER || 'default',
    natsUrl,
    dataDir: resolve(env.DATA_DIR ?? './data'),
    embeddedShards: intFrom(env.EMBEDDED_SHARDS, 1),
    searchTimeoutMs: intFrom(env.SEARCH_TIMEOUT_MS, 2_000),
    writeTimeoutMs: intFrom(env.WRITE_TIMEOUT_MS, 10_000),
    maxBatch: intFrom(env.MAX_BATCH, 1_000),
    maxK: intFrom(env.MAX_K, 1_000),
    shardDownAfterMs: intFrom(env.SHARD_DOWN_AFTER_MS, 3_000),
    metadataReplicas: intFrom(env.FACESHARD_METADATA_REPLICAS, 1),
    // A shard process serves no HTTP: the HTTP access rules are not its to check.
    auth: role === 'shard' ? 'off' : resolveAuthMode(host, env.FACESHARD_AUTH),
    adminKey: env.FACESHARD_ADMIN_KEY || undefined,
    bodyLimits: {
      default: intFrom(env.MAX_BODY_BYTES, 1024 * 1024),
      identity: intFrom(env.MAX_IDENTITY_BODY_BYTES, 8 * 1024 * 1024),
      batch: intFrom(env.MAX_BATCH_BODY_BYTES, 32 * 1024 * 1024),
      // Photo routes take up to two photos as base64 JSON (4/3 of their bytes) or multipart.
      photo: intFrom(env.MAX_PHOTO_BODY_BYTES, Math.ceil((faces.maxImageBytes * 2 * 4) / 3) + 64 * 1024),
    },
    maxAttributesBytes: intFrom(env.MAX_ATTRIBUTES_BYTES, 4 * 1024),
    searchBatch: { windowUs: nonNegativeIntFrom(env.SEARCH_BATCH_WINDOW_US, 1000), maxQueries: nonNegativeIntFrom(env.SEARCH_BATCH_MAX, 16) },
    faces,
    profileMaxSeconds: intFrom(env.PROFILE_MAX_SECONDS, 60),
    accessLog: readAccessLogPolicy(env),
  };
}
