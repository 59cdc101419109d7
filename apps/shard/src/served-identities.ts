import type { RingRouting } from '@faceshard/rebalance';

/** Beyond this many remembered answers the memo starts again (a 1M-identity source in its last stage). */
const MAX_REMEMBERED = 200_000;

const byRing = new WeakMap<RingRouting, Map<string, (identityId: string) => boolean>>();

/**
 * Which of the identities it holds a shard serves to reads (searches, listings) under the rings it
 * knows: all of them, except in a move's last stage. In `finalize` the write ring is committed and
 * the sources have not yet dropped what they handed over (the coordinator settles first, then asks
 * them). Those copies no longer receive writes (a delete or a new face goes to the new owner only),
 * yet a source of a join is in the new read ring and is searched: served, its old copies would bring
 * a deleted identity back into a search and find an identity by a face it no longer has. So a
 * source then serves only what a ring still places on it. Earlier stages need nothing: writes reach
 * both owners, both copies are current, and the gateway keeps an identity once (merge-top-k.ts,
 * identity-page-merge.ts).
 *
 * Undefined when everything held is served (no cost on the search path); otherwise a predicate,
 * one per ring state, remembering its answers (a ring lookup hashes the id).
 */
export function servedIdentities(view: RingRouting, shardId: string): ((identityId: string) => boolean) | undefined {
  const move = view.state.move;
  if (!move || move.stage !== 'finalize' || !move.from.includes(shardId)) return undefined;
  let perShard = byRing.get(view);
  if (!perShard) byRing.set(view, (perShard = new Map()));
  let serves = perShard.get(shardId);
  if (!serves) {
    const remembered = new Map<string, boolean>();
    serves = (identityId) => {
      let answer = remembered.get(identityId);
      if (answer === undefined) {
        if (remembered.size >= MAX_REMEMBERED) remembered.clear();
        answer = view.accepts(shardId, identityId);
        remembered.set(identityId, answer);
      }
      return answer;
    };
    perShard.set(shardId, serves);
  }
  return serves;
}
