/**
 * Every failure a client can see has a stable machine-readable code, an HTTP status and
 * a human message. Shards raise the same errors; they travel over the wire by code.
 */
export const ErrorCodes = {
  VALIDATION_FAILED: { status: 400, retryable: false },
  DIMENSION_MISMATCH: { status: 400, retryable: false },
  INVALID_VECTOR: { status: 400, retryable: false },
  INVALID_ID: { status: 400, retryable: false },
  /** No API key, or one this cluster does not know. */
  UNAUTHORIZED: { status: 401, retryable: false },
  /** A known API key whose role or collection scope does not cover the request. */
  FORBIDDEN: { status: 403, retryable: false },
  KEY_NOT_FOUND: { status: 404, retryable: false },
  /** Deleting it would leave no admin key for all collections. */
  LAST_ADMIN_KEY: { status: 409, retryable: false },
  BATCH_TOO_LARGE: { status: 413, retryable: false },
  COLLECTION_NOT_FOUND: { status: 404, retryable: false },
  COLLECTION_EXISTS: { status: 409, retryable: false },
  IDENTITY_NOT_FOUND: { status: 404, retryable: false },
  SHARD_UNAVAILABLE: { status: 503, retryable: true },
  SHARD_TIMEOUT: { status: 504, retryable: true },
  RING_CHANGED: { status: 503, retryable: true },
  NO_SHARDS: { status: 503, retryable: true },
  /** Overloaded (e.g. the face pipeline's queue is full): retry after the Retry-After header. */
  BUSY: { status: 429, retryable: true },
  IMAGE_INVALID: { status: 400, retryable: false },
  IMAGE_TRUNCATED: { status: 400, retryable: false },
  IMAGE_TOO_LARGE: { status: 413, retryable: false },
  /** A readable image of a type we do not take (GIF, TIFF, SVG, HEIF...): only JPEG, PNG, WebP. */
  IMAGE_UNSUPPORTED_TYPE: { status: 415, retryable: false },
  NO_FACE: { status: 422, retryable: false },
  /** requireSingleFace and the photo holds several faces. */
  MULTIPLE_FACES: { status: 422, retryable: false },
  FACE_QUALITY_TOO_LOW: { status: 422, retryable: false },
  FACE_NOT_FOUND: { status: 404, retryable: false },
  MODEL_NOT_FOUND: { status: 404, retryable: false },
  /** The collection holds embeddings of another model (or none): photos cannot be matched against it. */
  MODEL_MISMATCH: { status: 409, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  INTERNAL: { status: 500, retryable: false },
  /** Cluster membership (rebalancing): no such member, or the change would lose the only copy of data. */
  MEMBER_NOT_FOUND: { status: 404, retryable: false },
  DATA_WOULD_BE_LOST: { status: 409, retryable: false },
  /** A CPU profile or heap snapshot is already being recorded in that process (one at a time). */
  PROFILER_BUSY: { status: 409, retryable: true },
  /** A shard's write-ahead log is damaged beyond a torn tail; the store will not open (see WAL_SALVAGE). */
  WAL_CORRUPT: { status: 500, retryable: false },
  /** A shard's snapshot index file does not match the checksum its manifest recorded; the store will not open. */
  SNAPSHOT_CORRUPT: { status: 500, retryable: false },
  /** Another process (or store) has the shard's data folder open. */
  DATA_DIR_LOCKED: { status: 500, retryable: false },
  // The HTTP edge (issue 6): malformed bodies, size bounds, admission control, readiness.
  INVALID_JSON: { status: 400, retryable: false },
  REQUEST_TIMEOUT: { status: 408, retryable: true },
  ATTRIBUTES_TOO_LARGE: { status: 413, retryable: false },
  IDENTITY_TOO_LARGE: { status: 413, retryable: false },
  /** A shard's answer would not fit one message: that shard's part of a search is missing. */
  REPLY_TOO_LARGE: { status: 502, retryable: false },
  /** The shard dropped the request unstarted: the caller's deadline had already passed. */
  DEADLINE_EXCEEDED: { status: 504, retryable: true },
  NOT_READY: { status: 503, retryable: true },
  /**
   * This gateway could not load its face models (a missing or unreadable model file): photo routes
   * answer this until a load succeeds (each request tries again); /health/ready says why meanwhile.
   */
  MODELS_UNAVAILABLE: { status: 503, retryable: true },
  /**
   * A disk under the shard or gateway is full (ENOSPC, EDQUOT): the write was not stored (a shard
   * cuts it from its log and reloads its state from disk) and goes again once there is room:
   * retrying is safe (writes are idempotent).
   */
  STORAGE_FULL: { status: 507, retryable: true },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** The operating-system error of a full disk (ENOSPC, or EDQUOT: over quota), as Node reports it in `code`. */
export function isDiskFullError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export class FaceshardError extends Error {
  readonly status: number;
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'FaceshardError';
    this.status = ErrorCodes[code].status;
    this.retryable = ErrorCodes[code].retryable;
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message, retryable: this.retryable, ...(this.details ? { details: this.details } : {}) };
  }

  static fromJSON(body: ErrorBody): FaceshardError {
    const code = (body.code in ErrorCodes ? body.code : 'INTERNAL') as ErrorCode;
    return new FaceshardError(code, body.message, body.details);
  }
}

/** The error body of every non-2xx HTTP response and every failed shard reply. */
export interface ErrorBody {
  code: string;
  message: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
}
