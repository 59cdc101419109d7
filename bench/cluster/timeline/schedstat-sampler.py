# Samples, every 100 ms, each node and nats-server process's CPU time, run-queue wait and time slices
# (/proc/PID/task/*/schedstat, summed over threads) and the machine's /proc/stat line, on CLOCK_MONOTONIC.
# usage: schedstat-sampler.py OUT SECONDS
import os, time, sys
out = open(sys.argv[1], 'w')
stop_after = float(sys.argv[2])
t_end = time.monotonic() + stop_after
def procs():
    res = []
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            cmd = open(f'/proc/{p}/cmdline', 'rb').read().replace(b'\0', b' ').decode()
        except Exception: continue
        if 'nats-server' in cmd or ('node' in cmd and ('dist' in cmd or 'vitest' in cmd or 'tsc' in cmd or '.ts' in cmd)):
            res.append((p, cmd[:150]))
    return res
known = {}
while time.monotonic() < t_end:
    t = time.monotonic_ns()
    for p, cmd in procs():
        if p not in known:
            known[p] = cmd; out.write(f'P {p} {cmd}\n')
        run = wait = sl = 0
        try:
            for tid in os.listdir(f'/proc/{p}/task'):
                a = open(f'/proc/{p}/task/{tid}/schedstat').read().split()
                run += int(a[0]); wait += int(a[1]); sl += int(a[2])
        except Exception: continue
        out.write(f'S {t} {p} {run} {wait} {sl}\n')
    l = open('/proc/loadavg').read().split()[0]
    st = open('/proc/stat').readline().split()
    out.write(f'L {t} {l} {" ".join(st[1:9])}\n')
    out.flush()
    time.sleep(0.1)
