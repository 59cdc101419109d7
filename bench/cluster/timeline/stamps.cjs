// One-request timeline recorder (bench/cluster/README.md, "One client: where the time goes").
// Preloaded with `node -r` into the bench and into every gateway/shard process; the stages are
// stamped by stamps.patch (globalThis.__st(label), absent = no-op). Each stamp is (label,
// CLOCK_MONOTONIC ns from process.hrtime.bigint()), a clock all processes of one Linux box share.
// Also stamps every socket 'data' event and every socket write (nats = port 4222, pipe = stdout/err,
// http = the rest). Written to $STAMPS_DIR/<role>-<pid>.json at exit (and on SIGUSR2).
const fs = require('node:fs');
const net = require('node:net');
const N = 1 << 21;
const times = new Float64Array(N);
const labs = new Uint16Array(N);
const labels = [];
const ids = new Map();
let n = 0;
const hr = process.hrtime.bigint;
function st(label) {
  let id = ids.get(label);
  if (id === undefined) { id = labels.length; labels.push(label); ids.set(label, id); }
  const i = n++ & (N - 1);
  times[i] = Number(hr());
  labs[i] = id;
}
globalThis.__st = st;
const role = process.env.FACESHARD_ROLE || (process.argv[1] || '').split('/').slice(-3).join('_');
function dump() {
  const count = Math.min(n, N);
  const start = n > N ? n & (N - 1) : 0;
  const out = { pid: process.pid, role, labels, t: [], l: [] };
  for (let k = 0; k < count; k++) { const i = (start + k) & (N - 1); out.t.push(times[i]); out.l.push(labs[i]); }
  fs.writeFileSync(`${dir}/${role}-${process.pid}.json`, JSON.stringify(out));
}
const dir = process.env.STAMPS_DIR || '/tmp/stamps';
fs.mkdirSync(dir, { recursive: true });
process.on('exit', dump);
process.on('SIGUSR2', dump);
function kind(s) { return s.remotePort === 4222 ? 'nats' : s.remotePort === undefined ? 'pipe' : 'http'; }
const origEmit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function (ev, ...a) {
  if (ev === 'data') st(kind(this) + 'Data');
  return origEmit.call(this, ev, ...a);
};
const origWG = net.Socket.prototype._writeGeneric;
net.Socket.prototype._writeGeneric = function (...a) {
  const k = kind(this);
  st(k + 'Write');
  const r = origWG.apply(this, a);
  st(k + 'Written');
  return r;
};
