#!/bin/bash
# One bench:cluster run with the timeline stamps: bench/cluster/README.md, "One client: where the time goes".
# usage (from the repository, with a build of main + stamps.patch in DIST, under the bench lock):
#   flock /work/team/bench.lock bench/cluster/timeline/run-timeline.sh OUT DIST [bench:cluster options...]
# writes OUT.log (the bench's output), OUT.uptime, OUT.sched (schedstat samples), OUT.stamps/ (one file a process).
OUT=$1; DIST=$2; shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
export STAMPS_DIR=$OUT.stamps
rm -rf "$STAMPS_DIR"; mkdir -p "$STAMPS_DIR"
{ date -u; uptime; } > "$OUT.uptime"
python3 "$HERE/schedstat-sampler.py" "$OUT.sched" 480 & SAMPLER=$!
timeout 470 node -r "$HERE/stamps.cjs" "$DIST/bench/cluster/run.js" --dist "$DIST" "$@" --node-args "-r $HERE/stamps.cjs" > "$OUT.log" 2>&1
rc=$?
kill $SAMPLER
{ date -u; uptime; echo "rc=$rc"; } >> "$OUT.uptime"
exit $rc
