import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardStore } from '@faceshard/index';
import { makeTempDir, removeDir, vectorFor } from './helpers';

// The child runs TypeScript through tsx (devDependency), so it uses the library source as-is.
const REPO_ROOT = resolve(__dirname, '../..');
const FIXTURE = join(__dirname, 'fixtures', 'crash-writer.ts');
const DIM = 32;
const COLLECTION = 'crash';

interface ChildLog {
  sent: Set<string>;
  acked: Set<string>;
  deleteRequested: Set<string>;
  deleted: Set<string>;
  phase: string | null;
}

/**
 * Runs the writer until `killWhen` says so, then SIGKILLs it. Returns what it acknowledged.
 */
function runAndKill(dataDir: string, snapshotEveryOps: number, hangAtPhase: string | undefined, killWhen: (log: ChildLog) => boolean): Promise<ChildLog> {
  const log: ChildLog = { sent: new Set(), acked: new Set(), deleteRequested: new Set(), deleted: new Set(), phase: null };
  const args = ['--import', 'tsx', FIXTURE, dataDir, String(snapshotEveryOps), ...(hangAtPhase ? [hangAtPhase] : [])];
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach the kill condition in time; acked=${log.acked.size}; stderr=${stderr}`));
    }, 40_000);
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, payload = '', extra] = line.split(' ');
        const ids = payload.split(',').filter(Boolean);
        if (kind === 'SEND') ids.forEach((id) => log.sent.add(id));
        else if (kind === 'ACK') ids.forEach((id) => log.acked.add(id));
        else if (kind === 'DELREQ') ids.forEach((id) => log.deleteRequested.add(id));
        else if (kind === 'DEL') ids.forEach((id) => log.deleted.add(id));
        else if (kind === 'PHASE') log.phase = `${payload} ${extra}`;
      }
      if (!killed && killWhen(log)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Lines already in the pipe were emitted before the kill: count them too.
      if (pending.startsWith('ACK ')) pending.slice(4).split(',').filter(Boolean).forEach((id) => log.acked.add(id));
      if (signal === 'SIGKILL' && killed) resolvePromise(log);
      else reject(new Error(`writer exited on its own (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

/** The upsert the writer sends for an identity (crash-writer.ts), so a retry is the same request. */
function crashIdentity(identityId: string) {
  return { identityId, mode: 'replace' as const, attributes: { owner: identityId }, faces: ['f0', 'f1'].map((faceId) => ({ faceId, vector: vectorFor(identityId, faceId, DIM) })) };
}

/** Reopens the store, checks every promise the child was given and internal consistency, then retries what was not acknowledged. */
async function verifyRecovered(dataDir: string, log: ChildLog): Promise<void> {
  const store = await ShardStore.open({ dataDir });
  try {
    const stored = new Set(store.identityIds(COLLECTION));
    // No log segment that the snapshot fully covers is kept (a crash right after install leaves some).
    const segments = store.logSegments();
    if (segments.length > 1) expect(segments[1]).toBeGreaterThan(store.recovery.snapshotLsn + 1);
    // Every acknowledged identity that was not deleted is there, exactly as written (2 faces, no duplicates).
    const mustExist = [...log.acked].filter((id) => !log.deleteRequested.has(id));
    expect(mustExist.length).toBeGreaterThan(0);
    for (const id of mustExist) {
      expect(store.getIdentity(COLLECTION, id), id).toEqual({ identityId: id, attributes: { owner: id }, faceIds: ['f0', 'f1'] });
    }
    // Acknowledged deletes stay deleted.
    for (const id of log.deleted) expect(stored.has(id), id).toBe(false);
    // Nothing appears that was never sent; unacknowledged sends may or may not have survived.
    for (const id of stored) expect(log.sent.has(id), id).toBe(true);
    // Metadata and hnswlib agree: 2 faces per identity, one live label per face.
    const [stats] = store.stats();
    expect(stats.identities).toBe(stored.size);
    expect(stats.faces).toBe(2 * stored.size);
    const counts = store.debugCounts(COLLECTION);
    expect(counts.indexElements).toBe(counts.nextLabel);
    expect(counts.faces).toBe(counts.nextLabel - counts.freeLabels);
    expect(counts.faces).toBe(stats.faces);
    // Search is consistent: each identity's own face is its own best match.
    for (const id of mustExist.slice(0, 400)) {
      const [top] = store.search(COLLECTION, vectorFor(id, 'f1', DIM), 1);
      expect(top.identityId, id).toBe(id);
      expect(top.faceId).toBe('f1');
      expect(top.score).toBeCloseTo(1, 4);
    }
    const wide = store.search(COLLECTION, vectorFor(mustExist[0], 'f0', DIM), 50);
    expect(new Set(wide.map((h) => h.identityId)).size).toBe(wide.length);
    // A client whose requests timed out retries them: every send and delete that got no
    // acknowledgement (some were applied before the kill, some not), and acknowledged sends whose
    // acknowledgement it may have missed. Exactly once means the retries add nothing twice:
    // still 2 faces per identity, one live label per face.
    const unacked = [...log.sent].filter((id) => !log.acked.has(id));
    const retried = [...unacked, ...mustExist.slice(-100)];
    for (let i = 0; i < retried.length; i += 25) await store.upsert(COLLECTION, retried.slice(i, i + 25).map(crashIdentity));
    await store.deleteIdentities(COLLECTION, [...log.deleteRequested].filter((id) => !log.deleted.has(id)));
    const expected = [...log.sent].filter((id) => !log.deleteRequested.has(id)).sort();
    expect(store.identityIds(COLLECTION).sort()).toEqual(expected);
    for (const id of retried.filter((id) => !log.deleteRequested.has(id))) {
      expect(store.getIdentity(COLLECTION, id), id).toEqual({ identityId: id, attributes: { owner: id }, faceIds: ['f0', 'f1'] });
    }
    const afterRetries = store.debugCounts(COLLECTION);
    expect(afterRetries.faces).toBe(2 * expected.length);
    expect(afterRetries.faces).toBe(afterRetries.nextLabel - afterRetries.freeLabels);
    expect(afterRetries.indexElements).toBe(afterRetries.nextLabel);
    for (const id of retried.slice(-50)) {
      const hits = store.search(COLLECTION, vectorFor(id, 'f0', DIM), 3);
      expect(hits[0], id).toMatchObject({ identityId: id, faceId: 'f0' });
      expect(hits.filter((h) => h.identityId === id), id).toHaveLength(1);
    }
    // The integrity check agrees (after the graph upkeep a running store does once writes pause
    // and a snapshot holds them).
    await store.snapshot();
    await store.pinUnreachable(COLLECTION);
    const integrity = await store.integrityCheck();
    expect(integrity.ok, JSON.stringify(integrity.collections.map((c) => c.issues))).toBe(true);
    // The recovered store keeps working and survives another clean restart.
    await store.upsert(COLLECTION, [{ identityId: 'after-crash', mode: 'replace', faces: [{ faceId: 'f0', vector: vectorFor('after-crash', 'f0', DIM) }] }]);
  } finally {
    await store.close();
  }
  const again = await ShardStore.open({ dataDir });
  try {
    expect(again.getIdentity(COLLECTION, 'after-crash')).not.toBeNull();
    expect(again.recovery.truncatedBytes).toBe(0);
  } finally {
    await again.close();
  }
}

describe('crash safety: kill -9 of a real writer process', () => {
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir('crash');
  });

  afterEach(() => {
    removeDir(dir);
  });

  it('loses no acknowledged write, and retried writes duplicate nothing, when killed mid-ingest (with background snapshots running)', async () => {
    const log = await runAndKill(dir, 400, undefined, (l) => l.acked.size >= 1500);
    expect(log.acked.size).toBeGreaterThanOrEqual(1500);
    // Background snapshots happened during the run (the log got rotated and pruned).
    expect(readdirSync(join(dir, 'snapshots')).length).toBeGreaterThan(0);
    await verifyRecovered(dir, log);
  });

  it.each(['rotated', 'indexes-written', 'installed'])('loses nothing, and retried writes duplicate nothing, when killed during a snapshot (%s)', async (phase) => {
    let ackedAtPhase = -1;
    const log = await runAndKill(dir, 300, phase, (l) => {
      if (l.phase && ackedAtPhase < 0) ackedAtPhase = l.acked.size;
      // Writers go on while the snapshot is held at any phase (they do not wait for snapshots):
      // kill once 100 more writes were acknowledged, held beside the frozen index or after it.
      return l.phase !== null && l.acked.size >= ackedAtPhase + 100;
    });
    expect(log.phase).toMatch(new RegExp(`^${phase} \\d+$`));
    await verifyRecovered(dir, log);
  });
});
