import { join } from 'node:path';
import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  HeartbeatPublisher,
  metadataLostSinceLastServed,
  readServedIncarnation,
  recordServedIncarnation,
  resolveShardId,
  returnedAfterRemoval,
  setAsideRemovedData,
  type ClusterMetadataStore,
} from '@faceshard/cluster';
import { ShardStore } from '@faceshard/index';
import { stateOf } from '@faceshard/rebalance';
import type { ShardTransport } from '@faceshard/messaging';
import { ProcessProfiler } from '@faceshard/profiling';
import type { ShardConfig } from './config/shard-config';
import { TombstoneCollector } from './rebalance/tombstone-collector';
import { HoldingsReporter } from './rebalance/holdings-reporter';
import { MoveCoordinator } from './rebalance/move-coordinator';
import { ReceiverPriority } from './rebalance/receiver-priority';
import { watchMembership } from './rebalance/membership-watch';
import { comebackAfterMetadataLoss, joinOnceReadMembersAreBack, ringOnReturnAfterLossWhileDown } from './rebalance/return-after-metadata-loss';
import { RingView } from './ring-view';
import { ShardModule } from './shard.module';
import { ShardTransportServer } from './transport/shard-transport.server';
import { searchHandlers } from './transport/search-handlers';
import { ShardService } from './shard.service';
import { ObservedShardAdmission } from './admission/observed-admission';
import { storeLogLine } from './observability/store-log';
import { PinoNestLogger, quietObservability, type Observability } from '@faceshard/observability';

export interface ShardNode {
  shardId: string;
  /**
   * Asks to leave the cluster (SIGTERM, drain): resolves once a move has streamed this shard's
   * identities to the others and the ring no longer holds it. Resolves at once if it cannot
   * leave that way (it is the last member: its data stays on its disk).
   */
  leave(): Promise<'left' | 'last-member'>;
  /** Resolves when this shard was taken off the ring (drained through the API, or removed). */
  readonly left: Promise<void>;
  close(): Promise<void>;
}

/** The store's folder inside DATA_DIR. */
const STORE_FOLDER = 'store';

/**
 * Brings one shard up: open (and recover) its store, answer requests, then join the ring
 * and start heartbeating. Used by the shard process and, in-process, by the embedded default.
 */
export async function startShardNode(deps: {
  config: ShardConfig;
  transport: ShardTransport;
  metadata: ClusterMetadataStore;
  logger?: LoggerService | false;
  /** The process's logger and metrics (its entry point makes them; the embedded platform shares the gateway's). */
  observability?: Observability;
}): Promise<ShardNode> {
  const { config, transport, metadata } = deps;
  const shardId = await resolveShardId(config.dataDir, config.shardId);
  const observability = deps.observability ?? quietObservability({ role: 'shard' });
  const log = observability.log.child({ shardId });
  const metrics = observability.metrics;
  const openStore = () =>
    ShardStore.open({
      dataDir: join(config.dataDir, STORE_FOLDER),
      hnsw: config.hnsw,
      snapshotEveryOps: config.snapshotEveryOps,
      walSalvage: config.walSalvage,
      metrics: metrics?.index(shardId),
      log: storeLogLine(log),
    });
  let store = await openStore();
  const served = await readServedIncarnation(config.dataDir);
  const lostWhileDown = metadataLostSinceLastServed(served, metadata.incarnation);
  // Taken off the ring while it was away (forced removal): what it holds is older than the cluster
  // and may include identities deleted since; it starts empty, its data kept aside (removed-shard-data.ts).
  const member = stateOf(await metadata.readRing(), shardId) !== null;
  const held = store.stats();
  const heldIdentities = held.reduce((sum, c) => sum + c.identities, 0);
  if (returnedAfterRemoval({ served, current: metadata.incarnation, member, heldIdentities })) {
    await store.close();
    const keptIn = await setAsideRemovedData(config.dataDir, STORE_FOLDER);
    log.warn(
      { event: 'removed-shard-data-set-aside', identities: heldIdentities, collections: held.map((c) => c.name), keptIn },
      `this shard was taken off the ring while it was away: the ${heldIdentities} identities it held are no longer the cluster's (kept aside in ${keptIn}, never served); it joins empty`,
    );
    store = await openStore();
  }

  const ringView = new RingView();
  await ringView.follow(metadata);
  const admission = new ObservedShardAdmission(config.admission, metrics?.shardOps(shardId), log);
  const server = new ShardTransportServer(transport, shardId, admission);
  const shardModule = ShardModule.forShard(shardId, store, ringView, {
    // Profiles are written next to the shard's data and fetched by the gateway in chunks.
    recorder: new ProcessProfiler(join(config.dataDir, 'profiles')),
    maxSeconds: config.profileMaxSeconds,
  });
  const app = await NestFactory.createMicroservice(shardModule, {
    strategy: server,
    logger: deps.logger ?? new PinoNestLogger(log),
  });
  // Counts, index memory and queue depths are read when Prometheus scrapes, not on every request.
  const stopWatching =
    metrics?.watchShard(shardId, {
      collections: () => store.metricsView(),
      gates: () => [admission.searches, admission.writes].map((gate) => ({ gate: gate.name, ...gate.stats })),
      storage: () => store.storageStatus(),
    }) ?? (() => undefined);
  // Searches skip Nest's per-message dispatch; the control plane keeps its @MessagePattern handlers.
  server.answerDirectly(searchHandlers(app.get(ShardService)));
  await app.listen();

  // Join only once requests can be answered: a gateway that sees the new member may route to it
  // at once. Into a cluster holding data it joins as `joining`: a move streams its share first.
  // If the metadata was lost and re-created since this shard last ran (a NATS server that lost its
  // store, a deleted cluster.json, see served-incarnation.ts), it publishes its collections again
  // and comes back as the holder of its data: active when alone on the re-created ring, else as a
  // joiner, so that what the others took for it meanwhile wins over its older copies
  // (ringOnReturnAfterLossWhileDown).
  if (lostWhileDown) await metadata.changeRing((ring) => ringOnReturnAfterLossWhileDown(ring, shardId));
  else await metadata.registerShard(shardId);
  // The metadata store was lost and re-created (new incarnation, empty ring): this shard still
  // holds its identities, so it registers again at once, as the holder of its data.
  // Its collections are published again with their own generations: re-creating a name would give
  // it a newer generation, and a newer generation replaces (drops) what the shards hold.
  // A joiner whose move had not committed the read ring holds only part of its share: it joins
  // again once the read members are back, and a new move streams its share (return-after-metadata-loss.ts).
  let closing = false;
  const stopRejoining = metadata.onReincarnation((incarnation) => {
    // Called before the re-created store's ring reaches the view: the view still holds the last ring before the loss.
    const lastRing = ringView.current.state;
    const comeback = comebackAfterMetadataLoss(lastRing, shardId);
    log.warn({ event: 'metadata-lost', incarnation, comeback }, comeback === 'active' ? 'the cluster metadata was re-created: back on the ring as an active member, publishing its collections again' : 'the cluster metadata was re-created during this shard\'s join: joining again once the read members are back');
    if (comeback === 'active') void metadata.addMember(shardId).catch(() => undefined);
    else {
      void joinOnceReadMembersAreBack(metadata, shardId, lastRing.members, { pollMs: 200, timeoutMs: 120_000, isStopped: () => closing })
        .then((joined) => {
          if (!joined && !closing) log.error({ event: 'rejoin-gave-up' }, 'no read member came back onto the re-created ring within 120 s: restart this shard to join again');
        })
        .catch((error: Error) => log.error({ event: 'rejoin-failed', error: error.message }, 'could not join the re-created ring: restart this shard to join again'));
    }
    for (const spec of store.listCollections()) void metadata.adoptCollection(spec).catch(() => undefined);
    void recordServedIncarnation(config.dataDir, incarnation).catch(() => undefined);
  });
  if (lostWhileDown) {
    const collections = store.listCollections();
    log.warn({ event: 'metadata-lost-while-down', served, current: metadata.incarnation, collections: collections.map((c) => c.name) }, 'the cluster metadata was re-created since this shard last ran: publishing its collections again');
    for (const spec of collections) await metadata.adoptCollection(spec).catch(() => undefined);
  }
  // Best effort: a full disk must not stop a shard that serves reads (the record is tried again at the next start).
  if (served !== metadata.incarnation) {
    await recordServedIncarnation(config.dataDir, metadata.incarnation).catch((error: Error) => log.warn({ event: 'served-incarnation-not-recorded', error: error.message }, 'could not record the metadata incarnation'));
  }
  const heartbeats = new HeartbeatPublisher(transport, shardId, config.heartbeatEveryMs);
  heartbeats.start();
  // Move events as JSON log lines of this shard (a retry is a warning: a source or receiver restarting).
  const coordinator = new MoveCoordinator(shardId, metadata, transport, config.moves, ({ shardId: _sameShard, ...event }) =>
    log[event.event === 'move-retry' ? 'warn' : 'info'](event, String(event.event ?? 'move')),
  );
  coordinator.start();
  // A joiner's event loop runs behind the serving members until it is in the read ring (REBALANCE_RECEIVER_NICE).
  const priority = new ReceiverPriority(shardId, config.receiverNice, (event) =>
    log[event.event === 'receiver-priority-failed' ? 'warn' : 'info'](event, String(event.event)),
  );
  const stopPriority = config.receiverNice > 0 ? await metadata.watchRing((ring) => priority.observe(ring)) : () => undefined;
  const tombstones = new TombstoneCollector(store, ringView, config.tombstoneGc);
  tombstones.start();
  const holdings = new HoldingsReporter(store, metadata, shardId, config.holdingsReportEveryMs);
  holdings.start();
  const membership = await watchMembership(metadata, shardId);

  return {
    shardId,
    left: membership.left,
    leave: () => membership.leave(),
    async close() {
      closing = true;
      membership.stop();
      stopPriority();
      priority.stop();
      await coordinator.stop();
      await tombstones.stop();
      await holdings.stop();
      stopRejoining();
      heartbeats.stop();
      ringView.stop();
      stopWatching();
      await app.close();
      await store.close();
    },
  };
}
