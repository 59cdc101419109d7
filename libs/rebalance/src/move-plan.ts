import { RingPlacement } from '@faceshard/ring';

/**
 * Which of a source's ids go where: for each source shard of the old ring, the ids it holds
 * that the new ring places elsewhere, grouped by their new owner. Pure and deterministic for
 * the two member sets (order of members or ids does not matter; ids come out sorted).
 */
export interface MovePlan {
  /** source -> target -> ids (sorted). Only sources that give something away appear. */
  bySource: Map<string, Map<string, string[]>>;
  moved: number;
  total: number;
}

export function planMove(from: readonly string[], to: readonly string[], ids: Iterable<string>): MovePlan {
  const before = new RingPlacement({ epoch: 0, members: [...from] });
  const after = new RingPlacement({ epoch: 0, members: [...to] });
  const bySource = new Map<string, Map<string, string[]>>();
  const seen = new Set<string>();
  let moved = 0;
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const source = before.ownerOf(id);
    const target = after.ownerOf(id);
    if (source === target) continue;
    moved++;
    let targets = bySource.get(source);
    if (!targets) bySource.set(source, (targets = new Map()));
    const list = targets.get(target);
    if (list) list.push(id);
    else targets.set(target, [id]);
  }
  for (const targets of bySource.values()) for (const list of targets.values()) list.sort(compareCodeUnits);
  return { bySource, moved, total: seen.size };
}

/** The sources of a move: old members that give ids away (every old member for a join; the leavers for a leave). */
export function movingSources(from: readonly string[], to: readonly string[]): string[] {
  const kept = new Set(to);
  const removed = from.filter((m) => !kept.has(m));
  const added = to.filter((m) => !from.includes(m));
  // Keys only leave removed members, and only go to added ones (consistent hashing): a kept
  // member is a source exactly when some member was added.
  return [...new Set(added.length > 0 ? from : removed)].sort(compareCodeUnits);
}

/**
 * Whether a source's id moves, and to whom (null: it stays). The per-id form of planMove that
 * a source shard uses to select what to export without building the whole plan.
 */
export class MoveFilter {
  private readonly before: RingPlacement;
  private readonly after: RingPlacement;

  constructor(from: readonly string[], to: readonly string[]) {
    this.before = new RingPlacement({ epoch: 0, members: [...from] });
    this.after = new RingPlacement({ epoch: 0, members: [...to] });
  }

  targetOf(identityId: string): string | null {
    const target = this.after.ownerOf(identityId);
    return this.before.ownerOf(identityId) === target ? null : target;
  }

  /** True if, under the new ring, the id belongs to `shardId`. */
  ownsAfter(shardId: string, identityId: string): boolean {
    return this.after.ownerOf(identityId) === shardId;
  }
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
