/** Plain-text renderings of API answers for people; `--json` prints the answer itself instead. */

export function table(rows: (string | number)[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => String(row[col] ?? '').length)));
  return rows.map((row) => row.map((cell, col) => String(cell ?? '').padEnd(widths[col])).join('  ').trimEnd()).join('\n');
}

interface ClusterCollection {
  name: string;
  identities?: number;
  faces?: number;
}

interface ClusterMember {
  shardId: string;
  health?: string;
  state?: string;
  lastHeartbeatMs?: number | null;
  collections?: ClusterCollection[] | null;
}

/** GET /v1/cluster, as far as the CLI reads it; newer gateways may add fields, older ones lack some. */
export interface ClusterStatusBody {
  ringEpoch?: number;
  readEpoch?: number | null;
  writeEpoch?: number | null;
  members?: ClusterMember[];
  move?: Record<string, unknown> | null;
  cache?: unknown;
  [extra: string]: unknown;
}

/**
 * Members with state and health, per-shard counts, epochs, and the move in progress if any.
 * `lastHeartbeatMs` is the wall-clock time (ms since the epoch) the gateway last heard a shard,
 * so its age is measured against `nowMs` (this machine's clock; clamped at 0 for skew).
 */
export function formatClusterStatus(status: ClusterStatusBody, nowMs: number = Date.now()): string {
  const epochs = [`ring epoch ${status.ringEpoch ?? '?'}`];
  if (status.readEpoch != null) epochs.push(`read ring ${status.readEpoch}`);
  if (status.writeEpoch != null) epochs.push(`write ring ${status.writeEpoch}`);
  const members = status.members ?? [];
  const rows: (string | number)[][] = [['SHARD', 'STATE', 'HEALTH', 'HEARTBEAT', 'IDENTITIES', 'FACES', 'COLLECTIONS']];
  let identities = 0;
  let faces = 0;
  for (const m of members) {
    const counts = m.collections ?? null;
    const ids = counts?.reduce((sum, c) => sum + (c.identities ?? 0), 0);
    const fcs = counts?.reduce((sum, c) => sum + (c.faces ?? 0), 0);
    identities += ids ?? 0;
    faces += fcs ?? 0;
    rows.push([
      m.shardId,
      m.state ?? 'active',
      m.health ?? '?',
      m.lastHeartbeatMs === null || m.lastHeartbeatMs === undefined ? '-' : `${Math.max(0, Math.round(nowMs - m.lastHeartbeatMs))} ms ago`,
      ids ?? 'n/a',
      fcs ?? 'n/a',
      counts ? counts.length : 'n/a',
    ]);
  }
  const lines = [`${members.length} member(s), ${epochs.join(', ')}`, table(rows), `total: ${identities} identities, ${faces} faces`];
  const move = status.move;
  lines.push(move ? `move in progress: ${formatMove(move)}` : 'no move in progress');
  return lines.join('\n');
}

interface MoveSource {
  source: string;
  moved?: number;
  toMove?: number | null;
  done?: boolean;
  perSecond?: number;
  etaSeconds?: number | null;
}

/** The move: rings before and after, its stage, and identities moved per source shard with rate and ETA. */
function formatMove(move: Record<string, unknown>): string {
  const head: string[] = [];
  if (Array.isArray(move.from) && Array.isArray(move.to)) head.push(`[${move.from.join(', ')}] -> [${move.to.join(', ')}]`);
  if (move.stage) head.push(`stage ${String(move.stage)}`);
  if (move.startedAt) head.push(`since ${String(move.startedAt)}`);
  const sources = Array.isArray(move.sources) ? (move.sources as MoveSource[]) : [];
  if (sources.length === 0) return head.join(', ') || JSON.stringify(move);
  const moved = sources.reduce((n, s) => n + (s.moved ?? 0), 0);
  const known = sources.every((s) => typeof s.toMove === 'number');
  const toMove = sources.reduce((n, s) => n + (s.toMove ?? 0), 0);
  head.push(known && toMove > 0 ? `${moved}/${toMove} identities moved (${((100 * moved) / toMove).toFixed(1)}%)` : `${moved} identities moved`);
  const rows = sources.map((s) => [
    `  ${s.source}`,
    s.done ? 'done' : 'moving',
    `${s.moved ?? 0}/${s.toMove ?? '?'}`,
    `${s.perSecond ?? 0}/s`,
    s.done ? '' : s.etaSeconds == null ? 'ETA ?' : `ETA ${s.etaSeconds} s`,
  ]);
  return [head.join(', '), table(rows)].join('\n');
}

interface Match {
  identityId: string;
  faceId?: string;
  similarity: number;
  match?: boolean;
}

export interface IdentifyBody {
  faces?: { box?: { x: number; y: number; width: number; height: number }; quality?: unknown; verdict?: 'match' | 'unknown'; matches?: Match[] }[];
  partial?: boolean;
  missingShards?: string[];
}

export function formatIdentify(body: IdentifyBody): string {
  const faces = body.faces ?? [];
  if (faces.length === 0) return 'no face found';
  const lines: string[] = [];
  faces.forEach((face, i) => {
    const box = face.box ? ` at ${Math.round(face.box.x)},${Math.round(face.box.y)} ${Math.round(face.box.width)}x${Math.round(face.box.height)}` : '';
    lines.push(`face ${i + 1}${box}`);
    const matches = face.matches ?? [];
    if (matches.length === 0) lines.push('  no candidates');
    if (face.verdict === 'unknown' && matches.length > 0) lines.push('  unknown: no candidate passes the threshold');
    for (const m of matches) lines.push(`  ${m.match ? 'MATCH' : '     '}  ${m.similarity.toFixed(3)}  ${m.identityId}${m.faceId ? ` (${m.faceId})` : ''}`);
  });
  if (body.partial) lines.push(`partial answer: no reply from ${(body.missingShards ?? []).join(', ')}`);
  return lines.join('\n');
}

export interface VerifyBody {
  similarity: number;
  match: boolean;
  threshold: number;
  /** Per comparison, from the model's calibration (null without one). */
  falseMatchRate?: number | null;
}

export function formatVerify(body: VerifyBody): string {
  const rate = typeof body.falseMatchRate === 'number' ? `, false-match rate ${body.falseMatchRate}` : '';
  return `${body.match ? 'same person' : 'different people'}: similarity ${body.similarity.toFixed(3)} (threshold ${body.threshold}${rate})`;
}

export interface ApiKeyView {
  id: string;
  name: string;
  role: string;
  collections: string[];
  created?: string;
  lastUsed?: string;
}

export function formatKeys(keys: ApiKeyView[]): string {
  if (keys.length === 0) return 'no keys';
  return table([['ID', 'NAME', 'ROLE', 'COLLECTIONS', 'CREATED', 'LAST USED'], ...keys.map((k) => [k.id, k.name, k.role, k.collections.join(','), k.created ?? '', k.lastUsed ?? '-'])]);
}
