import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { FaceshardError } from '@faceshard/contracts';
import { stateOf } from '@faceshard/rebalance';
import { DEFAULT_MAX_PROFILE_SECONDS, ProcessProfiler, profileFileName, readProfileRequest, type ProfileRequest } from '@faceshard/profiling';
import type { GatewayConfig } from '../config/gateway-config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';

/** Beyond the recording itself: a heap snapshot of a large shard takes its time to write. */
const PROFILE_SLACK_MS = 120_000;
const LOCAL_CHUNK_BYTES = 1024 * 1024;

export interface RecordedProfileFile {
  fileName: string;
  bytes: number;
  /** The file's bytes, read part by part (over NATS for a shard); the recording is removed once read. */
  content: Readable;
}

/** CPU profiles and heap snapshots of this gateway or of one shard (asked over NATS, fetched in chunks). */
@Injectable()
export class ProfileService {
  private readonly local = new ProcessProfiler(join(tmpdir(), `faceshard-gateway-profiles-${process.pid}`));

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly ring: RingService,
    private readonly shards: ShardClient,
  ) {}

  readRequest(input: { kind?: unknown; seconds?: unknown }): ProfileRequest {
    return readProfileRequest(input, this.config.profileMaxSeconds ?? DEFAULT_MAX_PROFILE_SECONDS);
  }

  async record(request: ProfileRequest, shardId: string | undefined): Promise<RecordedProfileFile> {
    const fileName = profileFileName(shardId ? `shard-${shardId}` : 'gateway', request.kind, new Date());
    if (shardId === undefined) {
      const { profileId, bytes } = await this.local.record(request);
      return { fileName, bytes, content: chunked((offset) => this.local.readChunk(profileId, offset, LOCAL_CHUNK_BYTES), () => this.local.discard(profileId)) };
    }
    // Any member, in whatever state: a joining or leaving shard is the one worth profiling during a move.
    if (stateOf(this.ring.current().state, shardId) === null) throw new FaceshardError('MEMBER_NOT_FOUND', `shard ${shardId} is not a member of the cluster`, { shardId });
    const timeoutMs = (request.kind === 'cpu' ? request.seconds * 1000 : 0) + PROFILE_SLACK_MS;
    const { profileId, bytes } = await this.shards.profile(shardId, request, timeoutMs);
    // A download given up half-way leaves the file on the shard, which removes it after 10 minutes.
    return { fileName, bytes, content: chunked((offset) => this.shards.profileChunk(shardId, { profileId, offset }), async () => undefined) };
  }
}

/** A stream that asks for the next part only when the reader wants more (back-pressure over NATS). */
function chunked(read: (offset: number) => Promise<{ data: Uint8Array; done: boolean }>, discard: () => Promise<void>): Readable {
  let offset = 0;
  let done = false;
  return new Readable({
    async read() {
      try {
        const part = await read(offset);
        offset += part.data.length;
        if (part.data.length > 0) this.push(Buffer.from(part.data.buffer, part.data.byteOffset, part.data.length));
        if (part.done) {
          done = true;
          this.push(null);
        } else if (part.data.length === 0) {
          throw new FaceshardError('INTERNAL', `profile ended early at byte ${offset}`);
        }
      } catch (error) {
        this.destroy(error as Error);
      }
    },
    destroy(error, callback) {
      if (done) return callback(error);
      discard().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}
