import json, glob, sys, bisect
from collections import defaultdict
# CPU time, run-queue wait and slices per one-client request for each process, over the last one-client
# pass of each kind (from the stamps), from the schedstat sampler's file.
# usage: per-process.py STAMPS_DIR SCHED_FILE
stamps_dir, sched_file = sys.argv[1], sys.argv[2]
ev = []
roles = {}
for f in glob.glob(f'{stamps_dir}/*.json'):
    d = json.load(open(f)); roles[d['pid']] = d['role']
    for t, l in zip(d['t'], d['l']): ev.append((t, d['role'], d['labels'][l]))
ev.sort(); times = [e[0] for e in ev]
cl = [(t, lab) for t, r, lab in ev if 'bench' in r and lab in ('c.send', 'c.done')]
wins = defaultdict(list)
for i in range(1, len(cl) - 2):
    if cl[i][1] == 'c.send' and cl[i+1][1] == 'c.done' and cl[i-1][1] == 'c.done' and cl[i+2][1] == 'c.send':
        seq = ev[bisect.bisect_left(times, cl[i][0]):bisect.bisect_right(times, cl[i+1][0])]
        labs = {(r, l) for _, r, l in seq}
        if ('shard', 's.searchEnd') in labs: wins['cluster'].append((cl[i][0], cl[i+1][0]))
        elif any(l == 's.searchEnd' for r, l in labs): wins['embedded'].append((cl[i][0], cl[i+1][0]))
procs = {}; samples = defaultdict(list); loads = []
for line in open(sched_file):
    p = line.split()
    if p[0] == 'P': procs[p[1]] = ' '.join(p[2:])
    elif p[0] == 'S': samples[p[2]].append((int(p[1]), int(p[3]), int(p[4]), int(p[5])))
    elif p[0] == 'L':
        v = list(map(int, p[3:11])); loads.append((int(p[1]), float(p[2]), v))
for kind, w in wins.items():
    # the one-client pass: the longest run of consecutive sequential requests
    j = len(w) - 1
    while j > 0 and w[j][0] - w[j-1][1] < 5e6: j -= 1
    w = w[j:]
    a, b = w[len(w)//10][0], w[-1][1]   # the last contiguous one-client pass, its first 10% skipped
    n = sum(1 for x in w if x[0] >= a)
    print(f'== {kind}: window {(b-a)/1e9:.2f} s, {n} requests')
    for pid, s in samples.items():
        ts = [x[0] for x in s]
        i0 = bisect.bisect_left(ts, a); i1 = bisect.bisect_right(ts, b) - 1
        if i0 >= len(s) or i1 <= i0: continue
        run = (s[i1][1] - s[i0][1]) / 1e3; wait = (s[i1][2] - s[i0][2]) / 1e3; sl = s[i1][3] - s[i0][3]
        frac = (s[i1][0] - s[i0][0]) / (b - a)
        if run / n < 5: continue
        cmd = procs.get(pid, '?')
        short = 'nats-server' if 'nats-server' in cmd else cmd.split('/')[-1][:40] if 'dist' in cmd else cmd[:50]
        role = roles.get(int(pid), '')
        print(f'  {pid:>6} {role[:22]:22s} {short:40s} run {run/n/frac:7.1f} µs/req  runqueue wait {wait/n/frac:7.1f} µs/req  slices {sl/n/frac:5.2f}/req')
    ls = [x for x in loads if a <= x[0] <= b]
    if ls:
        v0, v1 = ls[0][2], ls[-1][2]; d = [y - x for x, y in zip(v0, v1)]; tot = sum(d)
        print(f'  load 1m {ls[0][1]}..{ls[-1][1]}; CPU over the window: user {100*d[0]/tot:.0f}% sys {100*d[2]/tot:.0f}% idle {100*d[3]/tot:.0f}% softirq {100*d[6]/tot:.0f}% steal {100*d[7]/tot:.1f}%')
