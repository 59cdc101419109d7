# Per-stage latency of the one-client requests, from the stamps of every process.
# usage: stage-deltas.py STAMPS_DIR SKIP cluster|embedded [CHAIN]
#   SKIP: leading one-client requests left out; CHAIN (default: every stage of that mode): comma-separated
#   role:label stages in order (C = bench client, G = gateway, S = shard, E = the embedded process).
# A request = a c.send..c.done window with no other request overlapping it; each stage = the first
# stamp of that label after the previous stage. Prints p10/p50/p90 of each stage-to-stage delta.
import json, glob, sys, statistics as st, bisect
from collections import defaultdict
CHAINS = {
    'cluster': 'C:c.send,C:httpWrite,C:httpWritten,G:g.onRequest,G:g.preParsing,G:g.bodyParsed,G:g.preHandler,G:g.controller,G:g.collection,G:g.shardClient,G:g.sendSearches,G:g.publish,G:natsWrite,G:natsWritten,S:natsData,S:s.msg,S:s.decoded,S:s.searchStart,S:s.searchEnd,S:s.handled,S:s.encoded,S:s.respond,S:s.responded,S:natsWrite,S:natsWritten,G:natsData,G:g.deliver,G:g.replyDecoded,G:g.fanOutDone,G:g.onSend,G:httpWrite,G:httpWritten,C:httpData,C:c.response,C:c.end,C:c.done',
    'embedded': 'C:c.send,C:httpWrite,C:httpWritten,E:g.onRequest,E:g.preParsing,E:g.bodyParsed,E:g.preHandler,E:g.controller,E:g.collection,E:g.shardClient,E:g.sendSearches,E:e.request,E:e.immediate,E:s.decoded,E:s.searchStart,E:s.searchEnd,E:s.handled,E:s.encoded,E:e.replyBack,E:g.fanOutDone,E:g.onSend,E:httpWrite,E:httpWritten,C:httpData,C:c.response,C:c.end,C:c.done',
}
d0 = sys.argv[1]; skip = int(sys.argv[2]); kind_want = sys.argv[3]
chain = (sys.argv[4] if len(sys.argv) > 4 else CHAINS[kind_want]).split(',')
ev = []
for f in glob.glob(d0 + '/*.json'):
    d = json.load(open(f))
    role = {'shard': 'S', 'gateway': 'G'}.get(d['role'], 'E' if 'platform' in d['role'] else ('C' if 'bench' in d['role'] else d['role']))
    for t, l in zip(d['t'], d['l']): ev.append((t, role, d['labels'][l]))
ev.sort(); times = [e[0] for e in ev]
cl = [(t, lab) for t, r, lab in ev if r == 'C' and lab in ('c.send', 'c.done')]
reqs = []
for i in range(len(cl) - 1):
    if cl[i][1] == 'c.send' and cl[i+1][1] == 'c.done' and (i == 0 or cl[i-1][1] == 'c.done') and (i + 2 >= len(cl) or cl[i+2][1] == 'c.send'):
        reqs.append((cl[i][0], cl[i+1][0]))
rows = []; miss = {}
for a, b in reqs:
    seq = ev[bisect.bisect_left(times, a):bisect.bisect_right(times, b)]
    kind = 'cluster' if any(r == 'S' and l == 's.searchEnd' for _, r, l in seq) else ('embedded' if any(r == 'E' and l == 's.searchEnd' for _, r, l in seq) else 'other')
    if kind != kind_want: continue
    # walk the chain in order: each stage = first occurrence after the previous stage
    out = []; j = 0; ok = True
    for k in chain:
        r, lab = k.split(':', 1)
        while j < len(seq) and not (seq[j][1] == r and seq[j][2] == lab): j += 1
        if j == len(seq):
            ok = False; miss[k] = miss.get(k,0)+1; break
        out.append(seq[j][0]); 
    if ok: rows.append(out)
rows = rows[skip:]
print('missing stages:', miss)
print(f'{kind_want}: {len(rows)} requests with the whole chain')
def pct(v, p): v = sorted(v); return v[min(len(v)-1, int(p * len(v)))]
print(f'{"stage":48s} {"p10":>7s} {"p50":>7s} {"p90":>7s} µs')
tot10 = tot50 = 0
for i in range(1, len(chain)):
    v = [(r[i] - r[i-1]) / 1000 for r in rows]
    tot10 += pct(v, .1); tot50 += pct(v, .5)
    print(f'{chain[i-1] + " -> " + chain[i]:48s} {pct(v,.1):7.1f} {pct(v,.5):7.1f} {pct(v,.9):7.1f}')
v = [(r[-1] - r[0]) / 1000 for r in rows]
print(f'{"whole":48s} {pct(v,.1):7.1f} {pct(v,.5):7.1f} {pct(v,.9):7.1f}   (sum of stage p10 {tot10:.0f}, p50 {tot50:.0f})')
